"""Texts of the EUDR and rice methane pages and their PDF exports (key -> {language -> text}).

Every key starts with ``reports_`` so it never meets a consumer or farm key in the catalogue.
"""

TEXTS: dict[str, dict[str, str]] = {
    "reports_site_name": {"vi": "Báo cáo", "en": "Reports"},
    "reports_error_title": {"vi": "Không lập được báo cáo", "en": "The report could not be made"},
    "reports_forbidden": {"vi": "Tài khoản này không được xem báo cáo của hợp tác xã.",
                          "en": "This account may not see the cooperative's reports."},
    "reports_try_again": {"vi": "Sửa lại và thử lần nữa", "en": "Correct it and try again"},
    # --- EUDR ---
    "reports_eudr_title": {"vi": "Dữ liệu EUDR của lô hàng",
                           "en": "EUDR data of a shipment"},
    "reports_eudr_intro": {
        "vi": "Quy định chống mất rừng của EU (2023/1115): mỗi lô cà phê, cao su, ca cao vào EU "
              "cần toạ độ của mọi thửa đã sản xuất ra nó. Danh sách dưới đây cho biết thửa nào "
              "đã sẵn sàng và cần sửa gì.",
        "en": "EU Deforestation Regulation (2023/1115): every shipment of coffee, rubber or "
              "cocoa placed on the EU market needs the geolocation of every plot it came from. "
              "The list below says which plots are ready and what to fix."},
    "reports_eudr_ids": {"vi": "Mã lô hoặc mã SSCC (mỗi dòng một mã)",
                         "en": "Lot or SSCC codes (one per line)"},
    "reports_show": {"vi": "Xem", "en": "Show"},
    "reports_plot": {"vi": "Thửa", "en": "Plot"},
    "reports_producer": {"vi": "Người sản xuất", "en": "Producer"},
    "reports_country": {"vi": "Quốc gia", "en": "Country"},
    "reports_place": {"vi": "Nơi sản xuất", "en": "Production place"},
    "reports_area": {"vi": "Diện tích (ha)", "en": "Area (ha)"},
    "reports_ready": {"vi": "Sẵn sàng", "en": "Ready"},
    "reports_not_ready": {"vi": "Chưa sẵn sàng", "en": "Not ready"},
    "reports_to_fix": {"vi": "Cần sửa", "en": "To fix"},
    "reports_warning": {"vi": "Lưu ý", "en": "Note"},
    "reports_risk": {"vi": "Rủi ro mất rừng", "en": "Deforestation risk"},
    "reports_risk_low": {"vi": "thấp", "en": "low"},
    "reports_risk_more_info_needed": {"vi": "cần thêm thông tin", "en": "more information needed"},
    "reports_risk_high": {"vi": "cao", "en": "high"},
    "reports_risk_none": {"vi": "chưa đánh giá", "en": "not assessed"},
    "reports_risk_unreadable": {"vi": "không đọc được", "en": "unreadable"},
    "reports_cutoff": {"vi": "Ngày mốc: 31/12/2020 (không được mất rừng sau ngày này).",
                       "en": "Cut-off date: 31 Dec 2020 (no deforestation after it)."},
    "reports_shipment_ready": {"vi": "Lô hàng sẵn sàng: {count} thửa đều hợp lệ.",
                               "en": "Shipment ready: all {count} plots are valid."},
    "reports_shipment_not_ready": {"vi": "Lô hàng chưa sẵn sàng: {bad}/{count} thửa cần sửa.",
                                   "en": "Shipment not ready: {bad} of {count} plots need "
                                         "fixing."},
    "reports_shipment_unregistered": {
        "vi": "Lô hàng chưa sẵn sàng: {places} nơi thu hoạch chưa có trong sổ thửa (chưa có toạ "
              "độ cho hệ thống EU).",
        "en": "Shipment not ready: {places} harvest place(s) in no plot registry (no "
              "geolocation for the EU system)."},
    "reports_no_plots": {"vi": "Lô hàng không dẫn tới thửa nào đã đăng ký.",
                         "en": "The shipment leads to no registered plot."},
    "reports_unregistered": {"vi": "Nơi thu hoạch chưa đăng ký trong sổ thửa: {places}",
                             "en": "Harvest places not in any plot registry: {places}"},
    "reports_no_drawing": {"vi": "Không vẽ được (điểm hoặc toạ độ lỗi)",
                           "en": "No drawing (a point, or coordinates in error)"},
    "reports_lots": {"vi": "Lô thu hoạch", "en": "Harvest lots"},
    "reports_downloads": {"vi": "Tải về", "en": "Download"},
    "reports_geojson": {"vi": "GeoJSON cho hệ thống EU", "en": "GeoJSON for the EU system"},
    "reports_csv": {"vi": "Bảng tính CSV", "en": "CSV spreadsheet"},
    "reports_pdf": {"vi": "Bản in PDF", "en": "Printable PDF"},
    "reports_risk_import": {"vi": "Nhập kết quả đánh giá rủi ro mất rừng",
                            "en": "Import deforestation-risk results"},
    "reports_risk_import_help": {
        "vi": "Gửi tệp ranh giới thửa cho công cụ Whisp của FAO, rồi nhập tệp CSV kết quả tại "
              "đây. Tệp có lỗi sẽ không được lưu dòng nào.",
        "en": "Send the plots' boundaries to FAO's Whisp, then import the CSV it returns here. "
              "A file with any wrong row stores nothing."},
    "reports_whisp_file": {"vi": "Tệp ranh giới cho Whisp", "en": "Boundaries file for Whisp"},
    "reports_commodity": {"vi": "Mặt hàng", "en": "Commodity"},
    "reports_risk_file": {"vi": "Tệp CSV của Whisp", "en": "Whisp CSV file"},
    "reports_import": {"vi": "Nhập", "en": "Import"},
    "reports_imported": {"vi": "Đã nhập kết quả của {count} thửa.",
                         "en": "Results of {count} plots imported."},
    # --- methane ---
    "reports_methane_title": {"vi": "Phát thải mê-tan từ lúa theo vụ",
                              "en": "Rice methane per season"},
    "reports_methane_intro": {
        "vi": "Ước tính theo IPCC 2019 (bậc 1) từ nhật ký đồng ruộng: chế độ nước, tình trạng "
              "nước trước vụ và bón hữu cơ của từng thửa. Khoảng thấp–cao cho biết độ bất định.",
        "en": "IPCC 2019 Tier 1 estimate from the farm diary: each plot's water regime, "
              "pre-season water status and organic amendments. The low–high range shows the "
              "uncertainty."},
    "reports_from": {"vi": "Gieo từ ngày", "en": "Sown from"},
    "reports_to": {"vi": "đến ngày", "en": "to"},
    "reports_days": {"vi": "Số ngày", "en": "Days"},
    "reports_water": {"vi": "Chế độ nước", "en": "Water regime"},
    "reports_pre_season": {"vi": "Trước vụ", "en": "Pre-season"},
    "reports_ch4": {"vi": "CH4 (kg)", "en": "CH4 (kg)"},
    "reports_co2e": {"vi": "t CO2e", "en": "t CO2e"},
    "reports_reduction": {"vi": "Giảm so với ngập liên tục (t CO2e)",
                          "en": "Saved against continuous flooding (t CO2e)"},
    "reports_totals": {"vi": "Tổng cộng", "en": "Totals"},
    "reports_cooperative": {"vi": "Hợp tác xã", "en": "Cooperative"},
    "reports_province": {"vi": "Tỉnh", "en": "Province"},
    "reports_seasons": {"vi": "Số thửa-vụ", "en": "Plot seasons"},
    "reports_awd_share": {"vi": "Tỷ lệ diện tích (có ước tính) tưới ướt khô xen kẽ (AWD)",
                          "en": "Share of the estimated area under AWD"},
    "reports_drained_share": {"vi": "Tỷ lệ có rút nước (một hoặc nhiều lần)",
                              "en": "Share with drainage (single or multiple)"},
    "reports_baseline": {"vi": "Nếu ngập liên tục (t CO2e)",
                         "en": "If continuously flooded (t CO2e)"},
    "reports_no_seasons": {"vi": "Không có vụ lúa nào được gieo trong khoảng này.",
                           "en": "No rice season was sown in this period."},
    # The source note of the data file is English: the Vietnamese says it in its own words.
    "reports_gwp": {"vi": "GWP100 của CH4: {gwp} (IPCC AR6 WG1 (2021), bảng 7.15: 27,0 cho CH4 "
                          "sinh học, 29,8 cho CH4 hóa thạch; IPCC AR5 WG1 (2013), bảng 8.7: 28 "
                          "khi không tính phản hồi khí hậu - carbon).",
                    "en": "GWP100 of CH4: {gwp} ({source})."},
    "reports_regime_continuously_flooded": {"vi": "ngập liên tục", "en": "continuously flooded"},
    "reports_regime_single_drainage": {"vi": "rút nước một lần", "en": "single drainage"},
    "reports_regime_multiple_drainage": {"vi": "rút nước nhiều lần / AWD",
                                         "en": "multiple drainage / AWD"},
    "reports_pre_non_flooded_lt180": {"vi": "khô dưới 180 ngày",
                                      "en": "not flooded, under 180 days"},
    "reports_pre_non_flooded_gt180": {"vi": "khô trên 180 ngày",
                                      "en": "not flooded, over 180 days"},
    "reports_pre_flooded_gt30": {"vi": "ngập trên 30 ngày", "en": "flooded over 30 days"},
    "reports_pre_non_flooded_gt365": {"vi": "khô trên 365 ngày",
                                      "en": "not flooded, over 365 days"},
    "reports_check_title": {"vi": "Kiểm tra tệp GeoJSON của nhà cung cấp",
                            "en": "Check a supplier's GeoJSON file"},
    "reports_check_help": {
        "vi": "Tệp FeatureCollection gửi lên hệ thống thông tin EU (tối đa 25 MB), kiểm tra như "
              "hệ thống EU sẽ kiểm tra: hình học, thuộc tính, thửa trùng và chồng lấn. Không "
              "lưu gì.",
        "en": "The FeatureCollection for the EU information system (at most 25 MB), checked as "
              "the EU system will: geometry, properties, repeated and overlapping plots. Nothing "
              "is stored."},
    "reports_check_file": {"vi": "Tệp GeoJSON", "en": "GeoJSON file"},
    "reports_check_button": {"vi": "Kiểm tra", "en": "Check"},
    "reports_fix_button": {"vi": "Sửa tự động và tải về",
                           "en": "Fix what can be fixed and download"},
    "reports_check_summary": {"vi": "{ready} trong {count} thửa của {document} sẵn sàng cho hệ "
                                    "thống EU.",
                              "en": "{ready} of the {count} plots of {document} are ready for "
                                    "the EU system."},
    "reports_check_ready_list": {"vi": "Sẵn sàng: {features}.", "en": "Ready: {features}."},
    "reports_check_not_ready_list": {"vi": "Chưa sẵn sàng: {features}.",
                                     "en": "Not ready: {features}."},
    "reports_check_file_problems": {"vi": "Lỗi của cả tệp", "en": "Problems of the whole file"},
    "reports_check_findings": {"vi": "Phát hiện theo thửa", "en": "Findings per plot"},
    "reports_check_plot": {"vi": "Thửa", "en": "Plot"},
    "reports_check_where": {"vi": "Vị trí trong tệp", "en": "Where in the file"},
    "reports_check_finding": {"vi": "Phát hiện", "en": "Finding"},
    "reports_check_more": {
        "vi": "… và {count} phát hiện khác: xem đủ bằng lệnh agritrace eudr check hoặc API "
              "POST /eudr/check.",
        "en": "… and {count} more findings: see them all with agritrace eudr check or the API "
              "POST /eudr/check."},
    "reports_check_fixable": {"vi": "Nút “Sửa tự động và tải về” sẽ:",
                              "en": "“Fix what can be fixed and download” will:"},
    "reports_check_again": {"vi": "Kiểm tra tệp khác", "en": "Check another file"},
    "reports_eudr_nav": {"vi": "EUDR", "en": "EUDR"},
    "reports_methane_nav": {"vi": "Methane lúa", "en": "Rice methane"},
}

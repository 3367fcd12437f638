"""The open data's texts (the /open-data catalogue page, its refusals) and the province desk's
"being computed" notices, in Vietnamese and English (key -> {language -> text})."""

TEXTS: dict[str, dict[str, str]] = {
    # --- refusals of /province/open-data.* (problem+json in the reader's language) ---
    "refuse_open_data_province": {"vi": "Không biết tỉnh này", "en": "Unknown province"},
    "expect_open_data_province": {"vi": "mã hoặc tên một tỉnh, ví dụ dong-thap",
                                  "en": "a province's code or name, e.g. dong-thap"},
    "refuse_open_data_unpublished": {"vi": "{name} không công bố dữ liệu trên trang này",
                                     "en": "{name} publishes no data here"},
    "expect_open_data_publishing": {
        "vi": "một tỉnh có sở nông nghiệp làm việc trên trang này",
        "en": "a province whose department has a desk on this site"},
    "refuse_open_data_paging": {"vi": "Tham số phân trang không hợp lệ",
                                "en": "The paging parameters are not valid"},
    "expect_open_data_page": {"vi": "số trang từ 1 đến {last}",
                              "en": "a page number from 1 to {last}"},
    "expect_open_data_limit": {"vi": "số dòng mỗi trang từ 1 đến {high}",
                               "en": "a number of rows per page from 1 to {high}"},
    "refuse_open_data_day": {"vi": "Ngày không hợp lệ", "en": "The day is not valid"},
    "expect_open_data_date": {"vi": "một ngày dạng YYYY-MM-DD, ví dụ 2026-11-30",
                              "en": "a day as YYYY-MM-DD, e.g. 2026-11-30"},
    "refuse_open_data_not_kept": {"vi": "Không có số liệu lưu cho ngày {day}",
                                  "en": "No figures are kept for {day}"},
    "expect_open_data_kept_day": {"vi": "một ngày có số liệu lưu: {days}",
                                  "en": "a day figures are kept for: {days}"},
    "refuse_open_data_computing": {
        "vi": "Số liệu đang được tính; hãy thử lại sau {seconds} giây",
        "en": "The figures are being computed; try again in {seconds} seconds"},
    # --- the catalogue page (/open-data in a browser) ---
    "open_data_title": {"vi": "Dữ liệu mở vùng trồng", "en": "Growing-area open data"},
    "open_data_intro": {
        "vi": "Số thửa và diện tích vùng trồng theo xã và cây trồng do sở nông nghiệp các tỉnh "
              "công bố: chỉ số liệu tổng hợp, không có tên, số điện thoại, sản lượng hay khách "
              "hàng của ai. Diện tích được ẩn khi dưới {min_plots} thửa.",
        "en": "Plots and growing-area hectares per commune and crop published by the provinces' "
              "agriculture departments: aggregates only, never anyone's name, phone, quantities "
              "or customers. Hectares are withheld below {min_plots} plots."},
    "open_data_licence": {"vi": "Giấy phép", "en": "Licence"},
    "open_data_as_of": {"vi": "Số liệu đến ngày", "en": "Figures as of"},
    "open_data_modified": {"vi": "Tính lúc", "en": "Computed at"},
    "open_data_rows": {"vi": "Số dòng", "en": "Rows"},
    "open_data_files": {"vi": "Tải về", "en": "Download"},
    "open_data_none": {"vi": "Chưa tỉnh nào công bố dữ liệu trên trang này.",
                       "en": "No province publishes data here yet."},
    "open_data_machine": {
        "vi": "Danh mục này dạng JSON-LD (từ vựng DCAT) cho máy đọc: {href}. JSON được phân "
              "trang (page, limit; liên kết rel=next trong tiêu đề Link).",
        "en": "This catalogue as JSON-LD (DCAT vocabulary) for machines: {href}. The JSON is "
              "paged (page, limit; rel=next in the Link header)."},
    # --- the province desk while its figures are computed ---
    "province_computing_title": {"vi": "Đang tính số liệu", "en": "Computing the figures"},
    "province_computing_text": {
        "vi": "Số liệu của kỳ này chưa từng được tính; việc tính có thể mất vài chục giây với "
              "một tỉnh lớn. Trang sẽ tự tải lại sau {seconds} giây.",
        "en": "The figures of this period were never computed; computing them may take some "
              "tens of seconds for a big province. The page reloads itself in {seconds} "
              "seconds."},
    "province_recomputing": {
        "vi": "Số liệu này đã tính cách đây {minutes} phút; đang tính lại, hãy tải lại trang "
              "sau ít phút.",
        "en": "These figures were computed {minutes} minutes ago; they are being computed "
              "again: reload the page in a few minutes."},
}

"""What the services say when they refuse (a diary entry as a whole, organizations, stamps and
their label sheets, the EUDR statement), and what the stamp commands print
(key -> {language -> text}).

Same conventions as :mod:`agritrace.web.texts_problems` (``expect_``, ``refuse_``); the API
answers the English of an ``expect_`` text and both languages of a ``refuse_`` one.
"""

TEXTS: dict[str, dict[str, str]] = {
    # --- the diary's forms and API (agritrace.farm.record) ---
    "refuse_entry_invalid": {"vi": "Nhật ký chưa hợp lệ", "en": "The {entry} entry is not valid"},
    # --- what a token may do (agritrace.web.api.deps.Caller.require) ---
    "refuse_read_only": {"vi": "Mã truy cập này chỉ được đọc: không được thay đổi gì",
                         "en": "This token is read-only: it may not change anything"},
    "refuse_officer_scope": {"vi": "Mã của cán bộ quản lý nhà nước chỉ đọc dữ liệu trong địa bàn "
                                   "và ra lệnh thu hồi ở đó; không thay đổi gì khác",
                             "en": "An officer's token reads its area and may order a recall "
                                   "there; it changes nothing else"},
    "refuse_member_scope": {"vi": "Tài khoản thành viên chỉ dùng được nhật ký sản xuất và các "
                                  "trang của hợp tác xã",
                            "en": "A member's sign-in may use only the farm diary and the "
                                  "cooperative's pages"},
    "expect_token_org": {"vi": "mã truy cập của tổ chức", "en": "an organization token"},
    "expect_token_write": {"vi": "mã truy cập được ghi (vai trò 'organization')",
                           "en": "a token that may write (role 'organization')"},
    "expect_token_not_member": {"vi": "mã truy cập của tổ chức (tài khoản thành viên chỉ dùng "
                                      "được nhật ký và các trang của hợp tác xã)",
                                "en": "an organization token (a member's sign-in reaches only "
                                      "the farm diary and the cooperative's pages)"},
    "expect_token_not_officer": {"vi": "mã truy cập của tổ chức (cán bộ chỉ đọc dữ liệu trong "
                                       "địa bàn và ra lệnh thu hồi ở đó)",
                                 "en": "an organization token (an officer reads its area and "
                                       "orders recalls there, and changes nothing else)"},
    "token_org": {"vi": "mã truy cập của tổ chức", "en": "an organization token"},
    "token_read": {"vi": "mã chỉ đọc", "en": "a read-only token"},
    "token_member": {"vi": "mã đăng nhập của thành viên", "en": "a member's sign-in token"},
    "token_officer": {"vi": "mã của cán bộ quản lý", "en": "an officer's token"},
    # --- organizations (agritrace.store.orgs.find_organization) ---
    "refuse_no_org": {"vi": "Không có tổ chức nào tên {name}. Xem danh sách: 'agritrace org "
                            "list'; tạo mới: 'agritrace org create TÊN'",
                      "en": "No organization named {name}. See the list: 'agritrace org list'; "
                            "create one: 'agritrace org create NAME'"},
    "refuse_no_org_close": {"vi": "Không có tổ chức nào tên {name}. Có phải là: {close}?",
                            "en": "No organization named {name}. Did you mean: {close}?"},
    "expect_existing_org": {"vi": "tên một tổ chức đã có",
                            "en": "the name of an existing organization"},
    "expect_existing_org_like": {"vi": "tên một tổ chức đã có, ví dụ {close}",
                                 "en": "the name of an existing organization such as {close}"},
    # --- stamps and label sheets (agritrace.labels) ---
    "expect_range": {"vi": "từ {low} đến {high}", "en": "{low} to {high}"},
    "expect_one_or_more": {"vi": "1 hoặc nhiều hơn", "en": "1 or more"},
    "expect_uuid": {"vi": "một mã đợt in dạng UUID", "en": "a UUID"},
    "expect_issued_batch": {"vi": "mã của một đợt tem đã phát hành",
                            "en": "an issued batch id"},
    "expect_stamp_link": {"vi": "đường dẫn GS1 Digital Link của một tem",
                          "en": "a GS1 Digital Link of a stamp"},
    "expect_stamp_serial": {"vi": "một mã sản phẩm (GTIN) có số sê-ri (AI 21)",
                            "en": "a GTIN with a serial (AI 21)"},
    "expect_batch_file": {"vi": "<mã đợt>.pdf hoặc <mã đợt>.csv",
                          "en": "<batch>.pdf or <batch>.csv"},
    "refuse_stamp_count": {"vi": "Không thể phát hành {count} tem trong một đợt",
                           "en": "Cannot issue {count} stamps in one batch"},
    "refuse_stamps_per_event": {"vi": "Không thể ghi {count} tem trong một sự kiện",
                                "en": "Cannot name {count} stamps in one event"},
    "refuse_batch_not_uuid": {"vi": "Không có đợt tem {batch}: mã đợt tem là một UUID",
                              "en": "No stamp batch {batch}: a batch id is a UUID"},
    "refuse_batch_of_other": {"vi": "Đợt tem {batch} thuộc về một tổ chức khác",
                              "en": "Stamp batch {batch} belongs to another organization"},
    "refuse_no_batch": {"vi": "{org} không có đợt tem {batch}",
                        "en": "No stamp batch {batch} of {org}"},
    "refuse_no_batch_file": {"vi": "Không có tệp {name} của đợt tem này",
                             "en": "No file {name} for this stamp batch"},
    "refuse_foreign_stamps": {"vi": "{count} tem không do {org} phát hành, cũng không thuộc mã "
                                    "của {org}",
                              "en": "{count} of these stamps were not issued by {org}, nor are "
                                    "they its own or its principal's"},
    "expect_stamps_of": {"vi": "tem do {org} phát hành hoặc của một GTIN {org} đại diện",
                         "en": "stamps issued by {org} or of a GTIN it speaks for"},
    "refuse_not_stamps": {"vi": "Có mã không phải là tem", "en": "Some codes are not stamps"},
    "refuse_no_stamps": {"vi": "Chưa có mã tem nào", "en": "No stamp codes given"},
    "refuse_skip_labels": {"vi": "Không thể bỏ qua {skip} nhãn trên tờ {layout}",
                           "en": "Cannot skip {skip} labels on a {layout} sheet"},
    "refuse_no_labels": {"vi": "Không có nhãn nào để in", "en": "No labels to print"},
    "refuse_unknown_layout": {"vi": "Không có khổ nhãn {layout}",
                              "en": "Unknown label layout {layout}"},
    "stamps_issued": {"vi": "đã phát hành {count} tem, đợt {batch} ({pages} tờ {layout})",
                      "en": "issued {count} stamps, batch {batch} ({pages} {layout} sheets)"},
    "stamps_voided": {"vi": "đã hủy {count} tem", "en": "voided {count} stamp(s)"},
    "stamps_activated": {"vi": "đã kích hoạt lại {count} tem",
                         "en": "activated {count} stamp(s)"},
    "file_written": {"vi": "đã ghi {path}", "en": "wrote {path}"},
    # --- a product's offer in the catalogue (agritrace.market.offers) ---
    "refuse_offer_invalid": {"vi": "Giá bán chưa hợp lệ", "en": "The offer is not valid"},
    "refuse_no_offer": {"vi": "Sản phẩm {gtin} chưa có giá bán", "en": "No offer for {gtin}"},
    "expect_price_number": {"vi": "một số, ví dụ 125000", "en": "a number such as 125000"},
    "expect_price": {"vi": "giá từ 0, tối đa 2 chữ số thập phân",
                     "en": "a price from 0 with at most 2 decimals"},
    "expect_currency": {"vi": "mã tiền tệ ISO 4217, ví dụ VND",
                        "en": "an ISO 4217 code such as VND"},
    "expect_offered_product": {"vi": "một sản phẩm đã có giá bán",
                               "en": "a product with an offer"},
    # --- the EUDR due diligence statement (agritrace.reports.eudr.statement) ---
    "refuse_statement_incomplete": {"vi": "Bản kê khai thẩm định (DDS) chưa đủ dữ liệu",
                                    "en": "The due diligence statement is not complete"},
    "refuse_statement_mass": {"vi": "Bản kê khai cần khối lượng tịnh",
                              "en": "The statement needs the net mass"},
    "expect_commodity_line": {"vi": "ít nhất một dòng hàng hóa",
                              "en": "at least one commodity line"},
    "expect_net_mass": {"vi": "khối lượng tịnh (kg) lớn hơn 0", "en": "a net mass in kg above 0"},
    "expect_shipment_mass": {"vi": "khối lượng tịnh của lô hàng tính bằng kg (các sự kiện không "
                                   "ghi lượng theo kg)",
                             "en": "the shipment's net mass in kg (the events give no quantity "
                                   "in kg)"},
    "expect_source_plots": {"vi": "các thửa nơi hàng được sản xuất",
                            "en": "the plots the goods came from"},
    "expect_known_plot": {"vi": "một thửa đã biết", "en": "a known plot"},
    "expect_plot_rule": {"vi": "hình thửa đạt yêu cầu {rule}",
                         "en": "a plot shape that passes {rule}"},
    # --- what ``agritrace trace`` prints (agritrace.trace.summary) ---
    "trace_head": {"vi": "Truy xuất {root} ({direction}): {counts}, qua {links} liên kết",
                   "en": "Trace {root} ({direction}): {counts} through {links} links"},
    "trace_back": {"vi": "ngược về nguồn", "en": "back"},
    "trace_forward": {"vi": "xuôi về sau", "en": "forward"},
    "trace_both": {"vi": "cả hai chiều", "en": "both"},
    "trace_col_steps": {"vi": "bước", "en": "steps"},
    "trace_col_kind": {"vi": "loại", "en": "kind"},
    "trace_col_id": {"vi": "mã", "en": "identifier"},
    "trace_more": {"vi": "… và {n} mã nữa: --format csv hoặc json liệt kê tất cả",
                   "en": "… and {n} more: --format csv or json lists them all"},
    "trace_hidden": {"vi": "{n} sự kiện của tổ chức khác không chia sẻ với bạn nên không được "
                           "lần theo",
                     "en": "{n} events of other organizations not shared with you were not "
                           "followed"},
    "trace_ignored": {"vi": "{n} sự kiện đã bị khai báo là sai nên bị bỏ qua",
                      "en": "{n} events declared erroneous were left out"},
    "trace_truncated": {"vi": "việc truy xuất dừng ở giới hạn độ sâu hoặc số lượng",
                        "en": "the trace stopped at its depth or size limit"},
    # each kind of code: its name (one) and its plural (Vietnamese has none)
    "trace_kind_item": {"vi": "đơn vị hàng", "en": "unit"},
    "trace_kinds_item": {"vi": "đơn vị hàng", "en": "units"},
    "trace_kind_lot": {"vi": "lô", "en": "lot"},
    "trace_kinds_lot": {"vi": "lô", "en": "lots"},
    "trace_kind_product": {"vi": "sản phẩm", "en": "product"},
    "trace_kinds_product": {"vi": "sản phẩm", "en": "products"},
    "trace_kind_logistic_unit": {"vi": "kiện hàng", "en": "logistic unit"},
    "trace_kinds_logistic_unit": {"vi": "kiện hàng", "en": "logistic units"},
    "trace_kind_location": {"vi": "địa điểm", "en": "place"},
    "trace_kinds_location": {"vi": "địa điểm", "en": "places"},
    "trace_kind_party": {"vi": "bên tham gia", "en": "party"},
    "trace_kinds_party": {"vi": "bên tham gia", "en": "parties"},
    "trace_kind_season": {"vi": "mùa vụ", "en": "season"},
    "trace_kinds_season": {"vi": "mùa vụ", "en": "seasons"},
    "trace_kind_other": {"vi": "mã khác", "en": "other code"},
    "trace_kinds_other": {"vi": "mã khác", "en": "other codes"},
}

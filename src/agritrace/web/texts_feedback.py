"""Texts of the feedback desk (issue 13): the public report form and ticket-code lookup
(``feedback_``), the desk's deadlines, acknowledgement, audit trail and photos (``province_``,
``farm_ticket_``), the safety category (``kind_``), and what a report's fields should be
(``expect_report_``)."""

TEXTS: dict[str, dict[str, str]] = {
    # --- the categories ---
    "kind_safety": {"vi": "An toàn thực phẩm", "en": "Food safety"},
    "farm_ticket_kind_safety": {"vi": "An toàn thực phẩm", "en": "Food safety"},
    # --- what a report's fields should be (agritrace.scans.log, agritrace.scans.photos) ---
    "expect_report_kind": {"vi": "một loại phản ánh ({kinds})", "en": "a category ({kinds})"},
    "expect_report_message": {"vi": "nội dung phản ánh, 1 đến {most} ký tự",
                              "en": "a description of 1 to {most} characters"},
    "expect_report_contact": {"vi": "liên hệ không quá {most} ký tự",
                              "en": "a contact of at most {most} characters"},
    "expect_report_province": {"vi": "một tỉnh trong danh sách", "en": "a province of the list"},
    "expect_report_code_or_province": {
        "vi": "mã trên sản phẩm, hoặc tỉnh nhận phản ánh khi không có mã",
        "en": "the code on the product, or the province to send the report to if there is none"},
    "expect_report_photo_size": {"vi": "ảnh không quá {most} byte",
                                 "en": "a photo of at most {most} bytes"},
    "expect_report_photo_type": {"vi": "ảnh JPEG, PNG hoặc WebP",
                                 "en": "a JPEG, PNG or WebP image"},
    # --- the public form (/feedback) ---
    "feedback_title": {"vi": "Phản ánh về nông sản", "en": "Report a problem with a product"},
    "feedback_intro": {
        "vi": "Ai cũng có thể gửi phản ánh: hàng giả, chất lượng, thông tin sai hoặc an toàn "
              "thực phẩm. Phản ánh được chuyển tới nhà sản xuất giữ mã và cơ quan quản lý của "
              "tỉnh, có hạn trả lời.",
        "en": "Anyone may send a report: counterfeit, quality, wrong information or food "
              "safety. It goes to the producer holding the code and to the province's "
              "authority, with a deadline to answer."},
    "feedback_kind": {"vi": "Loại phản ánh", "en": "Category"},
    "feedback_code": {"vi": "Mã trên sản phẩm (không bắt buộc)",
                      "en": "Code on the product (optional)"},
    "feedback_code_hint": {"vi": "Đường dẫn hoặc số dưới mã QR, ví dụ "
                                 "/01/08931234000356/10/CF-26",
                           "en": "The link or number under the QR code, e.g. "
                                 "/01/08931234000356/10/CF-26"},
    "feedback_province": {"vi": "Tỉnh nhận phản ánh (khi không có mã)",
                          "en": "Province to send it to (if there is no code)"},
    "feedback_province_none": {"vi": "— Chọn tỉnh —", "en": "— Choose a province —"},
    "feedback_message": {"vi": "Nội dung", "en": "What happened"},
    "feedback_contact": {"vi": "Liên hệ của bạn (không bắt buộc; chỉ nhà sản xuất và cơ quan "
                               "quản lý thấy)",
                         "en": "Your contact (optional; only the producer and the authority "
                               "see it)"},
    "feedback_photo": {"vi": "Ảnh (không bắt buộc; JPEG, PNG hoặc WebP, tối đa {mb} MB; chỉ "
                             "nhà sản xuất và cơ quan quản lý thấy)",
                       "en": "Photo (optional; JPEG, PNG or WebP, at most {mb} MB; only the "
                             "producer and the authority see it)"},
    "feedback_send": {"vi": "Gửi phản ánh", "en": "Send the report"},
    "feedback_fix": {"vi": "Phản ánh chưa được gửi. Vui lòng sửa:",
                     "en": "The report was not sent. Please fix:"},
    "feedback_limited": {"vi": "Bạn đã gửi quá nhiều phản ánh. Vui lòng thử lại sau.",
                         "en": "You have sent too many reports. Please try again later."},
    "feedback_sent_title": {"vi": "Đã nhận phản ánh", "en": "Report received"},
    "feedback_sent_text": {
        "vi": "Cảm ơn bạn. Hãy ghi lại mã phản ánh dưới đây: chỉ mã này cho xem trạng thái và "
              "câu trả lời, và mã sẽ không được hiển thị lại.",
        "en": "Thank you. Write down the ticket code below: only this code shows the state and "
              "the answer, and it will not be shown again."},
    "feedback_ticket_code": {"vi": "Mã phản ánh", "en": "Ticket code"},
    "feedback_check": {"vi": "Tra cứu phản ánh bằng mã", "en": "Look a report up by its code"},
    "feedback_with_photo": {"vi": "Gửi kèm ảnh (mẫu phản ánh đầy đủ)",
                            "en": "Send a photo too (the full report form)"},
    "feedback_home_text": {"vi": "ai cũng có thể phản ánh hàng giả, chất lượng, thông tin sai "
                                 "hoặc an toàn thực phẩm, và xem câu trả lời bằng mã phản ánh",
                           "en": "anyone may report counterfeit, quality, wrong information or "
                                 "food safety, and read the answer with a ticket code"},
    "feedback_another": {"vi": "Gửi phản ánh khác", "en": "Send another report"},
    # --- the lookup (/feedback/status) ---
    "feedback_status_title": {"vi": "Tra cứu phản ánh", "en": "Look up a report"},
    "feedback_status_intro": {"vi": "Nhập mã phản ánh bạn nhận được khi gửi.",
                              "en": "Type the ticket code you were given when you sent it."},
    "feedback_look": {"vi": "Tra cứu", "en": "Look up"},
    "feedback_no_ticket": {"vi": "Không có phản ánh nào với mã này. Vui lòng kiểm tra lại mã.",
                           "en": "No report has this ticket code. Please check the code."},
    "feedback_lookup_limited": {"vi": "Bạn đã tra cứu quá nhiều lần. Vui lòng thử lại sau.",
                                "en": "Too many look-ups. Please try again later."},
    "feedback_state": {"vi": "Trạng thái", "en": "State"},
    "feedback_received": {"vi": "Ngày nhận", "en": "Received"},
    "feedback_due": {"vi": "Hạn trả lời", "en": "Answer due by"},
    "feedback_steps": {"vi": "Các bước xử lý", "en": "Steps"},
    "feedback_answer": {"vi": "Trả lời của {name}", "en": "Answer from {name}"},
    "feedback_no_answer": {"vi": "Chưa có câu trả lời.", "en": "No answer yet."},
    # --- the desk ---
    "province_state_acknowledged": {"vi": "Đã tiếp nhận", "en": "Acknowledged"},
    "province_acknowledge": {"vi": "Xác nhận đã tiếp nhận", "en": "Acknowledge"},
    "province_ticket_done_acknowledge": {"vi": "Đã xác nhận tiếp nhận phản ánh.",
                                         "en": "The report was acknowledged."},
    "province_ticket_done_answer": {"vi": "Đã trả lời phản ánh.",
                                    "en": "The report was answered."},
    "province_ticket_done_deadlines": {"vi": "Đã lưu hạn trả lời.",
                                       "en": "The deadlines were saved."},
    "province_deadlines": {"vi": "Hạn trả lời theo loại phản ánh",
                           "en": "Deadlines per category"},
    "province_deadlines_intro": {
        "vi": "Sở đặt số ngày trả lời cho từng loại; loại chưa đặt dùng {days} ngày (cấu hình "
              "AGRITRACE_TICKET_DEADLINE_DAYS). Hạn áp dụng cho bàn làm việc, việc chuyển lên "
              "Sở, tỷ lệ đúng hạn trên bảng chỉ số và thông báo quá hạn.",
        "en": "The department sets the days to answer each category; a category not set has "
              "{days} days (the AGRITRACE_TICKET_DEADLINE_DAYS setting). The deadlines apply "
              "to the desk, the escalation, the dashboard's on-time share and the overdue "
              "notices."},
    "province_deadlines_by_province": {"vi": "Hạn trả lời do Sở của tỉnh đặt.",
                                       "en": "The province's department sets the deadlines."},
    "province_days": {"vi": "{days} ngày", "en": "{days} days"},
    "province_deadlines_save": {"vi": "Lưu hạn trả lời", "en": "Save the deadlines"},
    "province_trail": {"vi": "Nhật ký xử lý", "en": "Audit trail"},
    "province_by_reporter": {"vi": "người phản ánh", "en": "the reporter"},
    "province_by_rule": {"vi": "tự động khi hết hạn", "en": "automatically at the deadline"},
    "province_photo": {"vi": "Xem ảnh đính kèm", "en": "See the attached photo"},
    "province_no_code": {"vi": "không có mã, gửi tới tỉnh", "en": "no code, sent to the province"},
    "province_answer_here": {"vi": "Sở trả lời (phản ánh không có mã nên không có chủ mã)",
                             "en": "The department's answer (no code, so no owner to answer)"},
    "province_answer_send": {"vi": "Gửi trả lời", "en": "Send the answer"},
    "farm_ticket_acknowledge": {"vi": "Xác nhận đã tiếp nhận", "en": "Acknowledge"},
    "farm_ticket_acknowledged": {"vi": "Đã tiếp nhận bởi {name}",
                                 "en": "Acknowledged by {name}"},
    "farm_ticket_photo": {"vi": "Xem ảnh đính kèm", "en": "See the attached photo"},
}

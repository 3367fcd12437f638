"""Texts of the verifiable log on the consumer page (issue 18), Vietnamese first."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "logged_since": {"vi": "Đã ghi vào nhật ký công khai từ {date}",
                     "en": "Recorded in the public log since {date}"},
    "logged_proof": {"vi": "Xem bằng chứng", "en": "See the proof"},
    "logged_proof_title": {
        "vi": "Bằng chứng mật mã rằng bản ghi này nằm trong nhật ký công khai: ai cũng kiểm tra "
              "được, không ai sửa được mà không bị phát hiện",
        "en": "Cryptographic proof that this record is in the public log: anyone can check it, "
              "and no one can change it unnoticed"},
}

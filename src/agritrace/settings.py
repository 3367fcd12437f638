"""One validated settings object, read from AGRITRACE_* environment variables."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AGRITRACE_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./var/agritrace.db",
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host:port/db",
    )
    replica_urls: str = Field(
        default="", description="PostgreSQL streaming replicas (comma-separated SQLAlchemy URLs) "
        "that read-only queries read from; writes and a writer's own next reads go to "
        "database_url (docs/operations.md, Replicas).")
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The public origin of this platform, used in QR codes and Digital Links.",
    )
    ledger_signing_key: str = Field(
        default="", description="The log's Ed25519 signing key: its 32-byte seed in base64 "
        "(agritrace log keygen); signs the tree heads (docs/ledger.md).")
    ledger_key_history: str = Field(
        default="", description="Public keys (base64, comma-separated) of the log's retired "
        "signing keys, so heads they signed still verify after a rotation.")
    ledger_witness_key: str = Field(
        default="", description="This instance's Ed25519 key as a witness of other logs: a "
        "32-byte seed in base64 (agritrace log keygen); cosigns the heads it checked.")
    ledger_witness_name: str = Field(
        default="", description="This instance's name as a witness (a schema-less URL, e.g. "
        "truyxuat.example.vn/witness); default: the base URL's host and path + /witness.")
    ledger_witnesses: str = Field(
        default="", description="The witnesses whose cosignatures of this log's heads are "
        "accepted and served: their verifier keys (name+keyID+key, comma-separated), as "
        "'agritrace log witness' prints them.")
    ledger_watched_logs: str = Field(
        default="", description="The logs that may push their checkpoints to this instance "
        "as a witness (POST /log/witness/add-checkpoint, C2SP tlog-witness): their verifier "
        "keys (origin+keyID+key, comma-separated), as GET /log/keys gives an agritrace's.")
    readiness_animal_max_gap_days: int = Field(
        default=7, ge=1, description="Longest span without a diary entry a barn's or pond's "
        "readiness (VietGAHP, VietGAP for aquaculture) allows, days.")
    readiness_min_disease_checks: int = Field(
        default=1, ge=0, description="Disease checks a barn's or pond's diary needs in a herd "
        "or crop cycle to be ready.")
    readiness_max_days_between_water_readings: int = Field(
        default=7, ge=1, description="Longest span without a water-quality reading a pond's "
        "readiness allows, days.")
    max_capture_bytes: int = Field(
        default=64 * 1024 * 1024, description="Largest capture body accepted over HTTP (413 above)."
    )
    max_events_per_document: int = Field(
        default=1_000_000, description="Largest number of events one capture document may hold."
    )
    scan_max_devices: int = Field(
        default=15, ge=1, description="Distinct devices scanning one serialized stamp before it "
        "looks copied (a device: a first-party cookie; one scan per device per code per day).")
    scan_max_places: int = Field(
        default=4, ge=1, description="Distinct places (~10 km cells, where visitors shared a "
        "location) one serialized stamp may be scanned in before it looks copied.")
    scan_max_speed_kmh: float = Field(
        default=900.0, gt=0, description="Faster travel between two scans is suspicious.")
    scan_devices_per_client: int = Field(
        default=3, ge=1, description="Scans of one code one client address logs per day "
        "(a household's phones; a script dropping its cookie gets no more).")
    scan_per_client_hour: int = Field(
        default=120, ge=1, description="Scans of any code one client address logs per hour.")
    trusted_proxies: str = Field(
        default="", description="Addresses or networks (comma-separated) of the reverse proxies "
        "whose X-Forwarded-For is believed; none by default.")
    metrics_token: str = Field(
        default="", description="Bearer token a Prometheus scraper sends to /metrics; empty: "
        "/metrics is off (404).")
    report_per_hour: int = Field(
        default=5, ge=1, description="Problem reports one client may send per hour.")
    shutdown_grace_s: int = Field(
        default=20, ge=0, description="Seconds 'agritrace serve' lets requests still running "
        "(a long capture) finish after SIGTERM; then their captures are stopped, undone and "
        "their jobs failed with the reason. Keep it below the supervisor's own limit "
        "(systemd's TimeoutStopSec, Kubernetes' terminationGracePeriodSeconds).")
    sign_in_failures_per_hour: int = Field(
        default=20, ge=1, description="Wrong codes one client may enter on /login per hour "
        "before the form refuses it (429) for the rest of the hour; shared by every worker.")
    ticket_deadline_days: int = Field(
        default=15, ge=1, le=365, description="Days a producer has to answer a consumer's "
        "report; the province desk counts later answers as late and open ones as overdue.")
    report_photo_max_bytes: int = Field(
        default=5 * 1024 * 1024, ge=1024, le=20 * 1024 * 1024, description="Largest photo "
        "(bytes) a report from the public form may carry; a JPEG, PNG or WebP by its content.")
    page_size_default: int = Field(default=30, ge=1, le=10_000)  # EPCIS 2.0 perPage default
    page_size_max: int = Field(default=10_000, ge=1)
    # Subscriptions and notices (issue 16, docs/subscriptions.md)
    delivery_timeout_s: float = Field(
        default=5.0, gt=0, le=60, description="Seconds one delivery (a webhook call, an e-mail, "
        "an SMS) may take before it counts as failed and is retried.")
    delivery_max_attempts: int = Field(
        default=8, ge=1, le=50, description="Tries of one delivery before it is dead-lettered "
        "(agritrace subscriptions retry sends it again).")
    delivery_backoff_s: float = Field(
        default=30.0, ge=0, description="Wait before the first retry; doubled after each "
        "failure, at most 6 hours.")
    subscription_private_dests: bool = Field(
        default=False, description="Accept webhook dests on this machine or a private network "
        "(127.0.0.1, 10.x, localhost): for tests and closed networks only.")
    smtp_host: str = Field(default="", description="SMTP server for mailto: subscriptions; "
                           "empty: e-mail is off.")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = Field(default="agritrace@localhost",
                           description="Sender address of notices by e-mail.")
    sms_gateway_url: str = Field(
        default="", description="HTTP endpoint of an SMS gateway for sms: subscriptions "
        "(JSON {to, text, id}, Bearer sms_gateway_token); empty: SMS is off.")
    sms_gateway_token: str = Field(default="")
    zalo_oa_url: str = Field(
        default="", description="Zalo Official Account message endpoint for zalo:USER_ID "
        "subscriptions (e.g. https://openapi.zalo.me/v3.0/oa/message/cs); empty: Zalo is off.")
    zalo_oa_token: str = Field(default="", description="The OA's access_token.")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

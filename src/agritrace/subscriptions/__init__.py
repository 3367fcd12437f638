"""EPCIS 2.0 query subscriptions and the notices built on them (issue 16).

A subscription (``POST /queries/{name}/subscriptions``) names a destination: an ``http(s)`` webhook
as the standard asks, or ``mailto:``, ``sms:`` or ``zalo:`` for people who read e-mail or their
phone (:mod:`.channels`). What it is owed is written to an outbox table (:mod:`.outbox`) before
anything is sent, each row with a delivery id derived from what it carries, so a restart loses
nothing and a receiver that sees a delivery twice knows it by its id. A subscription reads under its
organization's reading rule, the one ``GET /events`` applies (:func:`agritrace.query.run_query`).
"""

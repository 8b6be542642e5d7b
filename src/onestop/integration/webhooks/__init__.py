"""Webhooks of API clients: a subscription (a URL and event types) is a destination of the outbox,
so its messages get the same per-dossier order, retries and dead letters as the national portal.

Each message is signed per Standard Webhooks (``webhook-id``, ``webhook-timestamp``,
``webhook-signature``); ``webhook-id`` is the outbox message's id, so a message delivered twice
carries the same id and a receiver drops the duplicate. Only dossiers inside the client's unit
scope (the scope of ``GET /api/v1/dossiers``, checked when the relay queues an event) are sent.
"""

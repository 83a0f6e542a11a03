"""The fault campaign: the distributed system under kills, outages and races.

``python -m faults`` (``make faults``) starts a real Kafka broker, a real
PostgreSQL server and the four ``pmf serve`` services, keeps an LAA stream and
admin commands flowing while it breaks things, then checks that nothing was
lost or doubled and that the distributed read models equal an embedded replay
of the same recorded facts. ``tests/faults`` runs a smaller schedule.
"""

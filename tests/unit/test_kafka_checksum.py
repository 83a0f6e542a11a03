"""kafka-python must checksum record batches in C.

Without the ``crc32c`` package kafka-python falls back to a pure-Python
CRC-32C that costs about 0.7 µs a byte: every relay and dead-letter batch
the services publish paid it, and it was the largest single cost of the
returns service's relay. This fails if the dependency is dropped or
kafka-python stops picking it up.
"""

from __future__ import annotations

from kafka.record import util
from kafka.record._crc32c import crc as pure_python_crc


def test_kafka_python_uses_the_c_checksum() -> None:
    assert util._crc32c is not pure_python_crc
    data = memoryview(b"123456789")
    assert util.calc_crc32c(data) == pure_python_crc(data) == 0xE3069283

"""RecordIO, the framing of the Mesos v1 event streams.

Each record is its length in bytes as ASCII decimal, a newline, then exactly that many
bytes (one JSON document or one serialized protobuf). Nothing separates records.
"""

# A length header longer than this is not a length: uint64 has at most 20 digits.
_MAX_HEADER_DIGITS = 20


class RecordIOError(ValueError):
    """The stream is not RecordIO (bad length header, or a record over the size limit)."""


def encode(record):
    """Frames one record (bytes, or str encoded as UTF-8)."""
    if isinstance(record, str):
        record = record.encode("utf-8")
    return str(len(record)).encode("ascii") + b"\n" + bytes(record)


class Decoder(object):
    """Incremental decoder: feed it bytes as they arrive, get back the complete records.

    max_record_size guards against a corrupt or hostile length eating all memory.
    """

    def __init__(self, max_record_size=64 * 1024 * 1024):
        self._buffer = bytearray()
        self._length = None
        self._max = max_record_size
        self._failed = None

    def feed(self, data):
        """Adds bytes; returns the list of records (bytes) completed by them."""
        if self._failed is not None:
            raise RecordIOError(self._failed)
        self._buffer.extend(data)
        records = []
        while True:
            if self._length is None:
                newline = self._buffer.find(b"\n")
                if newline < 0:
                    if len(self._buffer) > _MAX_HEADER_DIGITS:
                        self._fail("record length header too long: %r" % bytes(self._buffer[:32]))
                    break
                header = bytes(self._buffer[:newline]).strip(b"\r")
                if not header.isdigit() or len(header) > _MAX_HEADER_DIGITS:
                    self._fail("invalid record length header: %r" % header[:32])
                length = int(header)
                if length > self._max:
                    self._fail("record of %d bytes is over the limit of %d" % (length, self._max))
                self._length = length
                del self._buffer[: newline + 1]
            if len(self._buffer) < self._length:
                break
            records.append(bytes(self._buffer[: self._length]))
            del self._buffer[: self._length]
            self._length = None
        return records

    def has_partial(self):
        """True when bytes of an incomplete record are buffered (a stream cut mid-record)."""
        return self._length is not None or len(self._buffer) > 0

    def _fail(self, message):
        self._failed = message
        raise RecordIOError(message)


def decode_all(data):
    """Decodes a complete RecordIO byte string into its records; raises on a trailing partial."""
    decoder = Decoder()
    records = decoder.feed(data)
    if decoder.has_partial():
        raise RecordIOError("truncated record at the end of the data")
    return records

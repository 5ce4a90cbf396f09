"""RecordIO framing: encoding, incremental decoding at every split point, bad input."""

import unittest

from mesos import recordio


class RecordIOTest(unittest.TestCase):
    def test_encode_prefixes_the_byte_length(self):
        self.assertEqual(recordio.encode(b'{"type":"HEARTBEAT"}'), b'20\n{"type":"HEARTBEAT"}')
        self.assertEqual(recordio.encode("é"), b"2\n\xc3\xa9")
        self.assertEqual(recordio.encode(b""), b"0\n")

    def test_records_split_anywhere_decode_the_same(self):
        records = [b"hello", b"", b"x" * 300, b"\n12\n", "é".encode("utf-8")]
        stream = b"".join(recordio.encode(r) for r in records)
        for split in range(len(stream) + 1):
            decoder = recordio.Decoder()
            got = decoder.feed(stream[:split]) + decoder.feed(stream[split:])
            self.assertEqual(got, records, "split at %d" % split)
            self.assertFalse(decoder.has_partial())

    def test_byte_by_byte(self):
        decoder = recordio.Decoder()
        got = []
        for b in recordio.encode(b"abc") + recordio.encode(b"de"):
            got.extend(decoder.feed(bytes([b])))
        self.assertEqual(got, [b"abc", b"de"])

    def test_partial_records_are_kept(self):
        decoder = recordio.Decoder()
        self.assertEqual(decoder.feed(b"5\nabc"), [])
        self.assertTrue(decoder.has_partial())
        with self.assertRaises(recordio.RecordIOError):
            recordio.decode_all(b"5\nabc")
        self.assertEqual(recordio.decode_all(b"1\na2\nbc"), [b"a", b"bc"])

    def test_bad_headers_fail_and_stay_failed(self):
        for bad in [b"abc\n", b"-1\n", b"1 2\n", b"1" * 30]:
            decoder = recordio.Decoder()
            with self.assertRaises(recordio.RecordIOError, msg=repr(bad)):
                decoder.feed(bad)
            with self.assertRaises(recordio.RecordIOError):
                decoder.feed(b"1\na")

    def test_records_over_the_limit_are_refused(self):
        decoder = recordio.Decoder(max_record_size=10)
        self.assertEqual(decoder.feed(b"10\n0123456789"), [b"0123456789"])
        with self.assertRaises(recordio.RecordIOError):
            decoder.feed(b"11\n")


if __name__ == "__main__":
    unittest.main()

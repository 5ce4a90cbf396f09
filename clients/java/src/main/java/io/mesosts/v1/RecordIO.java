package io.mesosts.v1;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * RecordIO, the framing of the Mesos v1 event streams: each record is its byte length in
 * ASCII decimal, a newline, then that many bytes.
 */
public final class RecordIO {
    private RecordIO() {
    }

    /** The stream is not RecordIO (bad length header, or a record over the size limit). */
    public static final class RecordIOException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public RecordIOException(String message) {
            super(message);
        }
    }

    // uint64 has at most 20 decimal digits.
    private static final int MAX_HEADER_DIGITS = 20;

    public static byte[] encode(byte[] record) {
        byte[] header = (record.length + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] out = Arrays.copyOf(header, header.length + record.length);
        System.arraycopy(record, 0, out, header.length, record.length);
        return out;
    }

    public static byte[] encode(String record) {
        return encode(record.getBytes(StandardCharsets.UTF_8));
    }

    /** Incremental decoder: feed bytes as they arrive, get back the completed records. */
    public static final class Decoder {
        private final long maxRecordSize;
        private final ByteArrayOutputStream header = new ByteArrayOutputStream();
        private byte[] record;
        private int filled;
        private String failure;

        public Decoder() {
            this(64L * 1024 * 1024);
        }

        public Decoder(long maxRecordSize) {
            this.maxRecordSize = maxRecordSize;
        }

        public List<byte[]> feed(byte[] data) {
            return feed(data, 0, data.length);
        }

        public List<byte[]> feed(byte[] data, int offset, int length) {
            if (failure != null) {
                throw new RecordIOException(failure);
            }
            List<byte[]> records = new ArrayList<byte[]>();
            int i = offset;
            int end = offset + length;
            while (i < end) {
                if (record == null) {
                    byte b = data[i++];
                    if (b != '\n') {
                        if (header.size() >= MAX_HEADER_DIGITS || b < '0' || b > '9') {
                            fail("invalid record length header");
                        }
                        header.write(b);
                        continue;
                    }
                    if (header.size() == 0) {
                        fail("empty record length header");
                    }
                    long size;
                    try {
                        size = Long.parseLong(new String(header.toByteArray(), StandardCharsets.US_ASCII));
                    } catch (NumberFormatException e) {
                        size = Long.MAX_VALUE;
                    }
                    if (size > maxRecordSize) {
                        fail("record of " + size + " bytes is over the limit of " + maxRecordSize);
                    }
                    header.reset();
                    record = new byte[(int) size];
                    filled = 0;
                }
                int n = Math.min(end - i, record.length - filled);
                System.arraycopy(data, i, record, filled, n);
                filled += n;
                i += n;
                if (filled == record.length) {
                    records.add(record);
                    record = null;
                }
            }
            // A zero-length record is complete as soon as its header is.
            if (record != null && record.length == 0) {
                records.add(record);
                record = null;
            }
            return records;
        }

        /** True when part of a record is buffered (a stream cut there lost it). */
        public boolean hasPartial() {
            return record != null || header.size() > 0;
        }

        private void fail(String message) {
            failure = message;
            throw new RecordIOException(message);
        }
    }
}

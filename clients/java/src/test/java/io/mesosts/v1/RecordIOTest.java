package io.mesosts.v1;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

public final class RecordIOTest {
    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public void testEncode() {
        Check.equal(bytes("20\n{\"type\":\"HEARTBEAT\"}"), RecordIO.encode("{\"type\":\"HEARTBEAT\"}"));
        Check.equal(bytes("2\né"), RecordIO.encode("é"));
        Check.equal(bytes("0\n"), RecordIO.encode(new byte[0]));
    }

    public void testDecodesRecordsSplitAtEveryByte() {
        List<byte[]> records = Arrays.asList(bytes("hello"), new byte[0], bytes("12\n34"), new byte[300]);
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        for (byte[] r : records) {
            byte[] framed = RecordIO.encode(r);
            all.write(framed, 0, framed.length);
        }
        byte[] stream = all.toByteArray();
        for (int split = 0; split <= stream.length; split++) {
            RecordIO.Decoder d = new RecordIO.Decoder();
            List<byte[]> got = new ArrayList<byte[]>(d.feed(stream, 0, split));
            got.addAll(d.feed(stream, split, stream.length - split));
            Check.equal(records.size(), got.size(), "records at split " + split);
            for (int i = 0; i < records.size(); i++) {
                Check.equal(records.get(i), got.get(i), "record " + i + " at split " + split);
            }
            Check.isTrue(!d.hasPartial(), "nothing left at split " + split);
        }
    }

    public void testPartialRecordsWait() {
        RecordIO.Decoder d = new RecordIO.Decoder();
        Check.equal(0, d.feed(bytes("5\nabc")).size());
        Check.isTrue(d.hasPartial(), "partial");
        Check.equal(bytes("abcde"), d.feed(bytes("de")).get(0));
    }

    public void testBadHeadersFailForGood() {
        for (String bad : new String[] {"abc\n", "-1\n", "1 2\n", "\n", "123456789012345678901\n"}) {
            RecordIO.Decoder d = new RecordIO.Decoder();
            Check.throwsA(RecordIO.RecordIOException.class, () -> d.feed(bytes(bad)));
            Check.throwsA(RecordIO.RecordIOException.class, () -> d.feed(bytes("1\na")));
        }
    }

    public void testSizeLimit() {
        RecordIO.Decoder d = new RecordIO.Decoder(4);
        Check.equal(bytes("abcd"), d.feed(bytes("4\nabcd")).get(0));
        Check.throwsA(RecordIO.RecordIOException.class, () -> d.feed(bytes("5\n")));
        Check.throwsA(RecordIO.RecordIOException.class, () -> new RecordIO.Decoder().feed(bytes("99999999999999999999\n")));
    }
}

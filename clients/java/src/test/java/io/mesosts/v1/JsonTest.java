package io.mesosts.v1;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

public final class JsonTest {
    public void testParsesEveryKindOfValue() {
        Object v = Json.parse(" {\"a\": [1, -2.5, 3e2, true, false, null, \"x\"], \"b\": {}, \"c\": [] } ");
        Map<String, Object> expected = Json.obj(
            "a", Json.arr(1L, -2.5, 300.0, true, false, null, "x"),
            "b", Json.obj(),
            "c", Json.arr());
        Check.equal(expected, v);
        Check.equal(Arrays.asList("a", "b", "c"), Arrays.asList(((Map<?, ?>) v).keySet().toArray()), "key order");
    }

    public void testNumbers() {
        Check.equal(9007199254740993L, Json.parse("9007199254740993"), "long precision");
        Check.equal(Long.MIN_VALUE, Json.parse("-9223372036854775808"));
        Check.equal(1e20, Json.parse("100000000000000000000"), "too big for long");
        Check.equal(0L, Json.parse("-0"));
        Check.equal(0.1, Json.parse("0.1"));
        for (String bad : new String[] {"01", "1.", ".5", "-", "1e", "+1", "0x10"}) {
            Check.throwsA(Json.JsonException.class, () -> Json.parse(bad));
        }
    }

    public void testStringEscapes() {
        Check.equal("a\"b\\c/\b\f\n\r\t\u00e9\ud83d\ude00", Json.parse("\"a\\\"b\\\\c\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\""));
        Check.equal("\"\\u0001\\n\\u2028é\"", Json.write("\u0001\n\u2028é"));
        Check.throwsA(Json.JsonException.class, () -> Json.parse("\"a\u0001\""));
        Check.throwsA(Json.JsonException.class, () -> Json.parse("\"\\x\""));
        Check.throwsA(Json.JsonException.class, () -> Json.parse("\"\\u12\""));
        Check.throwsA(Json.JsonException.class, () -> Json.parse("\"open"));
    }

    public void testMalformedDocumentsAreRejectedWithAnOffset() {
        for (String bad : new String[] {"", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "{a:1}", "[1 2]", "tru", "nul",
            "1 2", "[", "{\"a\":}"}) {
            Json.JsonException e = Check.throwsA(Json.JsonException.class, () -> Json.parse(bad));
            Check.isTrue(e.getMessage().contains("offset"), "no offset in: " + e.getMessage());
        }
        StringBuilder deep = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            deep.append('[');
        }
        Check.throwsA(Json.JsonException.class, () -> Json.parse(deep.toString()));
    }

    public void testWritesCompactJsonThatParsesBack() {
        Map<String, Object> call = Json.obj(
            "type", "DECLINE",
            "framework_id", Json.obj("value", "fw"),
            "decline", Json.obj("offer_ids", Json.arr(Json.obj("value", "o1")), "filters", Json.obj("refuse_seconds", 5.0)),
            "n", 3, "big", 12345678901L, "f", 0.25f, "none", null, "flag", true,
            "array", new Object[] {1, "two"});
        String text = Json.write(call);
        Check.equal("{\"type\":\"DECLINE\",\"framework_id\":{\"value\":\"fw\"},\"decline\":{\"offer_ids\":[{\"value\":\"o1\"}],"
            + "\"filters\":{\"refuse_seconds\":5.0}},\"n\":3,\"big\":12345678901,\"f\":0.25,\"none\":null,\"flag\":true,"
            + "\"array\":[1,\"two\"]}", text);
        Check.equal(Json.write(Json.parse(text)), text, "round trip");
        Check.equal("1.0e-7", Json.write(1e-7));
        Check.equal(1e-7, Json.parse(Json.write(1e-7)));
        Check.throwsA(Json.JsonException.class, () -> Json.write(Double.NaN));
        Check.throwsA(Json.JsonException.class, () -> Json.write(new Object()));
    }

    public void testPathHelpers() {
        Map<String, Object> event = Json.parseObject(
            "{\"type\":\"OFFERS\",\"offers\":{\"offers\":[{\"id\":{\"value\":\"o1\"},\"resources\":[]}]}}");
        Check.equal("o1", Json.getString(event, "offers", "offers", 0, "id", "value"));
        Check.equal(null, Json.get(event, "offers", "offers", 1));
        Check.equal(null, Json.get(event, "type", "x"));
        List<Object> none = Json.getList(event, "missing");
        Check.equal(0, none.size());
        Check.equal(null, Json.getNumber(event, "type"));
        Check.throwsA(Json.JsonException.class, () -> Json.parseObject("[]"));
    }
}

package io.mesosts.v1;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Masters: lists, zk:// URLs, the group's leader and its address, without a network. */
public final class MastersTest {
    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    public void testTheSmallestSequenceLeadsAndOtherChildrenAreNoMembers() {
        Check.equal("json.info_0000000003",
            Masters.leaderMember(Arrays.asList("json.info_0000000007", "log_replicas", "json.info_0000000003")));
        Check.equal("0000000002", Masters.leaderMember(Arrays.asList("info_12", "0000000002")));
        Check.equal(null, Masters.leaderMember(Arrays.asList("log_replicas")));
    }

    public void testTheLeadersAddressFromEachFormMesosWrites() throws Exception {
        String json = "{\"id\":\"m1\",\"pid\":\"master@10.0.0.5:5050\",\"port\":5050,"
            + "\"address\":{\"ip\":\"10.0.0.5\",\"port\":5050,\"hostname\":\"m1\"}}";
        Check.equal(new Http.Endpoint("http", "10.0.0.5", 5050), Masters.masterEndpoint("json.info_0000000001", bytes(json)));
        String noPid = "{\"id\":\"m2\",\"port\":5051,\"address\":{\"ip\":\"10.0.0.6\",\"port\":5051}}";
        Check.equal(new Http.Endpoint("http", "10.0.0.6", 5051), Masters.masterEndpoint("json.info_0000000001", bytes(noPid)));
        Check.equal(new Http.Endpoint("http", "10.0.0.7", 5050), Masters.masterEndpoint("0000000001", bytes("master@10.0.0.7:5050")));
        Check.throwsA(Http.HttpException.class, () -> Masters.masterEndpoint("info_0000000001", new byte[] {8, 1}));
    }

    public void testZkUrlsAsMesosReadsThemPrintedWithoutThePassword() {
        Masters.ZkUrl url = new Masters.ZkUrl("zk://u:secret@zk1:2181,zk2:2181/mesos/");
        Check.equal("u:secret", url.credentials);
        Check.equal("zk1:2181,zk2:2181", url.servers);
        Check.equal("/mesos", url.path);
        Check.equal("zk://u:****@zk1:2181,zk2:2181/mesos", url.toString());
        for (String bad : new String[] {"zk://zk1:2181", "zk://zk1:2181/", "zk:///mesos"}) {
            Check.throwsA(IllegalArgumentException.class, () -> new Masters.ZkUrl(bad));
        }
    }

    public void testListsOfMastersAndFileValues() throws Exception {
        Masters list = Masters.parse("m1:5050, m2 ,http://m3:5051", 5050);
        Check.isTrue(list.follows(), "several masters are followed");
        Check.equal("http://m1:5050,http://m2:5050,http://m3:5051", list.describe());
        Check.isTrue(!Masters.parse("m1:5050", 5050).follows(), "one master is not looked up");
        Path file = Files.createTempFile("masters", "");
        try {
            Files.write(file, bytes("m1:5050,m2:5050\n"));
            Check.equal("http://m1:5050,http://m2:5050", Masters.parse("file://" + file, 5050).describe());
        } finally {
            Files.delete(file);
        }
        for (String bad : new String[] {",", "m1:5050,zk://z:2181/mesos", "m1:99999,m2:5050", "file:///nonexistent/zk"}) {
            Check.throwsA(IllegalArgumentException.class, () -> Masters.parse(bad, 5050));
        }
    }

    public void testZkWithoutAZooKeeperClientNamesTheAlternative() {
        boolean present;
        try {
            Class.forName("org.apache.zookeeper.ZooKeeper");
            present = true;
        } catch (ClassNotFoundException e) {
            present = false;
        }
        if (present) {
            Check.isTrue(Masters.parse("zk://zk1:2181/mesos", 5050).follows(), "zk:// is followed");
            return;
        }
        try {
            Masters.parse("zk://zk1:2181/mesos", 5050);
            throw new AssertionError("zk:// accepted without a ZooKeeper client");
        } catch (IllegalArgumentException e) {
            Check.equal(Masters.NO_ZOOKEEPER, e.getMessage());
            Check.isTrue(e.getMessage().contains("host1:5050,host2:5050"), e.getMessage());
        }
    }
}

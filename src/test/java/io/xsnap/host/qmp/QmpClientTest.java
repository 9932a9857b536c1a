package io.xsnap.host.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.HostException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** QmpClient against an in-process fake monitor on a UNIX socket. */
class QmpClientTest {
    private static final String GREETING =
            "{\"QMP\":{\"version\":{\"qemu\":{\"major\":7,\"minor\":2,\"micro\":22},\"package\":\"\"},\"capabilities\":[\"oob\"]}}\n";
    private static final Duration SHORT = Duration.ofMillis(300);

    @TempDir
    Path dir;

    private FakeMonitor monitor;

    @AfterEach
    void stopMonitor() throws Exception {
        if (monitor != null) {
            monitor.close();
        }
    }

    private static String event(String name, String data) {
        return "{\"event\":\"" + name + "\",\"data\":" + data + ",\"timestamp\":{\"seconds\":1,\"microseconds\":2}}\n";
    }

    private static String reply(JsonNode request, String returnJson) {
        return "{\"return\":" + returnJson + ",\"id\":" + request.get("id") + "}\n";
    }

    /** Answers qmp_capabilities with {}, everything else through the given table (command → chunks to send). */
    private static Function<JsonNode, List<String>> answers(Map<String, Function<JsonNode, List<String>>> table) {
        return request -> {
            String command = request.path("execute").asString("");
            if (command.equals("qmp_capabilities")) {
                return List.of(reply(request, "{}"));
            }
            Function<JsonNode, List<String>> handler = table.get(command);
            return handler == null ? List.of() : handler.apply(request);
        };
    }

    @Test
    void eventsBeforeTheGreetingAndBeforeAReplyAreQueuedInOrder() throws Exception {
        monitor = new FakeMonitor(dir.resolve("m.qmp"), List.of(event("EARLY", "{\"n\":1}")), answers(Map.of(
                "query-status", r -> List.of(event("STOP", "{}"), event("JOB_STATUS_CHANGE", "{\"id\":\"j1\",\"status\":\"ready\"}"),
                        reply(r, "{\"status\":\"paused\",\"running\":false}")))));
        try (QmpClient qmp = QmpClient.connect(monitor.path, SHORT)) {
            JsonNode status = qmp.execute("query-status");
            assertEquals("paused", status.path("status").asString());
            assertEquals(1, qmp.awaitEvent("EARLY", d -> true, SHORT).orElseThrow().path("data").path("n").asInt());
            assertTrue(qmp.awaitEvent("JOB_STATUS_CHANGE", d -> d.path("status").asString("").equals("ready"), SHORT)
                    .isPresent());
            assertTrue(qmp.awaitEvent("STOP", d -> true, SHORT).isPresent());
            assertTrue(qmp.awaitEvent("STOP", d -> true, Duration.ofMillis(50)).isEmpty(), "each event is taken once");
        }
    }

    @Test
    void awaitEventReadsLaterEventsAndKeepsTheOthers() throws Exception {
        monitor = new FakeMonitor(dir.resolve("m.qmp"), List.of(), answers(Map.of(
                "block-commit", r -> List.of(reply(r, "{}"), event("JOB_STATUS_CHANGE", "{\"id\":\"j1\",\"status\":\"running\"}"),
                        event("RESUME", "{}"), event("JOB_STATUS_CHANGE", "{\"id\":\"j1\",\"status\":\"ready\"}")))));
        try (QmpClient qmp = QmpClient.connect(monitor.path, SHORT)) {
            qmp.execute("block-commit", QmpClient.args().put("job-id", "j1"));
            JsonNode ready = qmp.awaitEvent("JOB_STATUS_CHANGE", d -> d.path("status").asString("").equals("ready"),
                    Duration.ofSeconds(5)).orElseThrow();
            assertEquals("j1", ready.path("data").path("id").asString());
            assertTrue(qmp.awaitEvent("RESUME", d -> true, SHORT).isPresent());
            assertTrue(qmp.awaitEvent("JOB_STATUS_CHANGE", d -> d.path("status").asString("").equals("running"), SHORT)
                    .isPresent());
        }
    }

    @Test
    void repliesAreMatchedByIdAndSplitMessagesAreJoined() throws Exception {
        monitor = new FakeMonitor(dir.resolve("m.qmp"), List.of(), answers(Map.of(
                "query-name", r -> {
                    String whole = reply(r, "{\"name\":\"web01\"}");
                    return List.of("{\"return\":{\"name\":\"stale\"},\"id\":\"someone-else\"}\n",
                            whole.substring(0, 7), whole.substring(7));
                })));
        try (QmpClient qmp = QmpClient.connect(monitor.path, SHORT)) {
            assertEquals("web01", qmp.execute("query-name").path("name").asString());
        }
        JsonNode sent = monitor.requests.get(1);
        assertEquals("query-name", sent.path("execute").asString());
        assertTrue(sent.path("id").isString(), "every request carries an id");
        assertTrue(!sent.has("arguments"), "no arguments object when there are none");
    }

    @Test
    void anErrorReplyNamesTheCommandAndQemusClassAndText() throws Exception {
        monitor = new FakeMonitor(dir.resolve("m.qmp"), List.of(), answers(Map.of(
                "transaction", r -> List.of("{\"error\":{\"class\":\"GenericError\",\"desc\":\"Snapshot with name 's1' already exists on device 'vda'\"},\"id\":"
                        + r.get("id") + "}\n"))));
        try (QmpClient qmp = QmpClient.connect(monitor.path, SHORT)) {
            QmpException e = assertThrows(QmpException.class, () -> qmp.execute("transaction", QmpClient.args()));
            assertEquals("GenericError", e.errorClass());
            assertEquals("transaction", e.command());
            assertTrue(e.getMessage().contains("QMP transaction failed: GenericError: Snapshot with name 's1' already exists"),
                    e.getMessage());
        }
    }

    @Test
    void aMissingReplyTimesOutAndALateOneIsIgnored() throws Exception {
        monitor = new FakeMonitor(dir.resolve("m.qmp"), List.of(), answers(Map.of(
                "slow", r -> List.of(),
                "query-status", r -> List.of(reply(r, "{\"status\":\"running\"}")))));
        try (QmpClient qmp = QmpClient.connect(monitor.path, SHORT)) {
            HostException e = assertThrows(HostException.class, () -> qmp.execute("slow", null, Duration.ofMillis(100)));
            assertTrue(e.getMessage().contains("no reply to QMP slow"), e.getMessage());
            monitor.send("{\"return\":{\"late\":true},\"id\":" + monitor.requests.get(1).get("id") + "}\n");
            assertEquals("running", qmp.execute("query-status").path("status").asString());
        }
    }

    @Test
    void aMonitorThatNeverGreetsIsReportedAsBusy() throws Exception {
        monitor = new FakeMonitor(dir.resolve("m.qmp"), null, r -> List.of());
        HostException e = assertThrows(HostException.class, () -> QmpClient.connect(monitor.path, Duration.ofMillis(200)));
        assertTrue(e.getMessage().contains("no QMP greeting"), e.getMessage());
    }

    @Test
    void nothingListeningIsUnreachable() {
        assertThrows(QmpUnreachableException.class, () -> QmpClient.connect(dir.resolve("none.qmp"), SHORT));
    }

    @Test
    void aClosedConnectionIsReported() throws Exception {
        monitor = new FakeMonitor(dir.resolve("m.qmp"), List.of(), answers(Map.of("quit", r -> null)));
        try (QmpClient qmp = QmpClient.connect(monitor.path, SHORT)) {
            HostException e = assertThrows(HostException.class, () -> qmp.execute("quit"));
            assertTrue(e.getMessage().contains("closed the QMP connection"), e.getMessage());
        }
    }

    /**
     * A one-client monitor: sends the given lines, the greeting (unless {@code early} is null: then it never
     * greets), then answers each request line with the chunks the responder returns (null = hang up).
     */
    private static final class FakeMonitor implements AutoCloseable {
        final Path path;
        final List<JsonNode> requests = new CopyOnWriteArrayList<>();
        private final ServerSocketChannel server;
        private final Thread thread;
        private volatile SocketChannel client;

        FakeMonitor(Path path, List<String> early, Function<JsonNode, List<String>> responder) throws IOException {
            this.path = path;
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(path));
            thread = new Thread(() -> serve(early, responder), "fake-qmp");
            thread.setDaemon(true);
            thread.start();
        }

        private void serve(List<String> early, Function<JsonNode, List<String>> responder) {
            JsonMapper json = JsonMapper.builder().build();
            try (SocketChannel c = server.accept()) {
                client = c;
                if (early == null) {
                    Thread.sleep(Long.MAX_VALUE);
                }
                for (String line : early) {
                    send(line);
                }
                send(GREETING);
                StringBuilder buffer = new StringBuilder();
                ByteBuffer in = ByteBuffer.allocate(4096);
                while (c.read(in.clear()) > 0) {
                    buffer.append(StandardCharsets.UTF_8.decode(in.flip()));
                    int newline;
                    while ((newline = buffer.indexOf("\n")) >= 0) {
                        JsonNode request = json.readTree(buffer.substring(0, newline));
                        buffer.delete(0, newline + 1);
                        requests.add(request);
                        List<String> chunks = responder.apply(request);
                        if (chunks == null) {
                            return;
                        }
                        for (String chunk : chunks) {
                            send(chunk);
                            Thread.sleep(5);
                        }
                    }
                }
            } catch (IOException | InterruptedException e) {
                // the test closed the monitor
            }
        }

        void send(String text) throws IOException {
            ByteBuffer out = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                client.write(out);
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            SocketChannel c = client;
            if (c != null) {
                c.close();
            }
            thread.interrupt();
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

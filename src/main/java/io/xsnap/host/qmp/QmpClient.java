package io.xsnap.host.qmp;

import io.xsnap.host.HostException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Optional;
import java.util.function.Predicate;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A client for one QEMU monitor (QMP) UNIX socket.
 *
 * <p>QMP is a message stream: one JSON object per line (the monitor must not be in {@code pretty=on}
 * mode). Replies carry the {@code id} of their request; events ({@code {"event",...}}) may arrive at
 * any time, also during the greeting and between a request and its reply. Events are queued and can
 * be awaited with {@link #awaitEvent}. Replies whose id belongs to an earlier request that timed out
 * are dropped.
 *
 * <p>QEMU serves one client per monitor socket: a second client gets no greeting until the first one
 * disconnects. Connect briefly (try-with-resources around one operation). Not thread-safe.
 */
public final class QmpClient implements AutoCloseable {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int MAX_QUEUED_EVENTS = 1024;
    private static final int MAX_MESSAGE_BYTES = 64 << 20;

    private final Path socket;
    private final SocketChannel channel;
    private final Selector selector;
    private final SelectionKey key;
    private final Duration timeout;
    private final ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
    private final ArrayDeque<JsonNode> events = new ArrayDeque<>();
    private byte[] pending = new byte[64 * 1024];
    private int pendingLength;
    private long nextId = 1;

    private QmpClient(Path socket, SocketChannel channel, Duration timeout) throws IOException {
        this.socket = socket;
        this.channel = channel;
        this.timeout = timeout;
        channel.configureBlocking(false);
        this.selector = Selector.open();
        this.key = channel.register(selector, SelectionKey.OP_READ);
    }

    /**
     * Connects, reads the greeting and negotiates capabilities.
     *
     * @param timeout how long to wait for the greeting and, later, for each reply
     * @throws QmpUnreachableException when nothing listens on the socket
     * @throws HostException when the greeting does not come in time (another client holds the monitor)
     */
    public static QmpClient connect(Path socket, Duration timeout) {
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            throw new HostException(socket + ": cannot open a UNIX socket: " + e.getMessage(), e);
        }
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            closeQuietly(channel);
            throw new QmpUnreachableException(socket + ": no QMP monitor listens here: " + e.getMessage(), e);
        }
        QmpClient client = null;
        try {
            client = new QmpClient(socket, channel, timeout);
            client.handshake();
            return client;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new HostException(socket + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (client != null) {
                client.close();
            } else {
                closeQuietly(channel);
            }
            throw e;
        }
    }

    /** A new empty arguments object for {@link #execute(String, ObjectNode)}. */
    public static ObjectNode args() {
        return JSON.createObjectNode();
    }

    /** The socket this client talks to, for messages. */
    public Path socket() {
        return socket;
    }

    private void handshake() {
        long deadline = deadline(timeout);
        while (true) {
            JsonNode message = readMessage(deadline, "the QMP greeting");
            if (message == null) {
                throw new HostException(socket + ": no QMP greeting within " + timeout.toMillis()
                        + " ms (QEMU serves one monitor client at a time: is another client connected?)");
            }
            if (message.has("QMP")) {
                break;
            }
            if (message.has("event")) {
                queue(message);
            }
        }
        execute("qmp_capabilities", null);
    }

    /** Runs a command with the default timeout; see {@link #execute(String, ObjectNode, Duration)}. */
    public JsonNode execute(String command, ObjectNode arguments) {
        return execute(command, arguments, timeout);
    }

    /** Runs a command without arguments. */
    public JsonNode execute(String command) {
        return execute(command, null, timeout);
    }

    /**
     * Sends one command and waits for its reply, queueing the events that arrive meanwhile.
     *
     * @param arguments the command's arguments, or null for none
     * @return the reply's {@code return} value
     * @throws QmpException when QEMU answers with an error
     * @throws HostException on timeout, a closed connection or a reply that is not JSON
     */
    public JsonNode execute(String command, ObjectNode arguments, Duration wait) {
        String id = "xsnap-" + nextId++;
        ObjectNode request = JSON.createObjectNode();
        request.put("execute", command);
        if (arguments != null) {
            request.set("arguments", arguments);
        }
        request.put("id", id);
        long deadline = deadline(wait);
        send(request, deadline, command);
        while (true) {
            JsonNode message = readMessage(deadline, "the reply to " + command);
            if (message == null) {
                throw new HostException(socket + ": no reply to QMP " + command + " within " + wait.toMillis() + " ms");
            }
            if (message.has("event")) {
                queue(message);
                continue;
            }
            if (!message.has("return") && !message.has("error")) {
                continue;
            }
            JsonNode replyId = message.get("id");
            // A reply without an id answers a request QEMU could not even parse: ours, since we send one at a time.
            if (replyId != null && !id.equals(replyId.stringValue(null))) {
                continue;
            }
            JsonNode error = message.get("error");
            if (error != null) {
                throw new QmpException(socket.toString(), command, error.path("class").asString("?"),
                        error.path("desc").asString("?"));
            }
            return message.get("return");
        }
    }

    /**
     * Waits for an event: the oldest queued one that matches, else the next one to arrive.
     *
     * @param name    the event name, e.g. {@code JOB_STATUS_CHANGE}
     * @param matches a test on the event's {@code data} object (an empty object when the event has none)
     * @return the whole event message, or empty when none matched within {@code wait}
     */
    public Optional<JsonNode> awaitEvent(String name, Predicate<JsonNode> matches, Duration wait) {
        for (Iterator<JsonNode> it = events.iterator(); it.hasNext(); ) {
            JsonNode event = it.next();
            if (isEvent(event, name, matches)) {
                it.remove();
                return Optional.of(event);
            }
        }
        long deadline = deadline(wait);
        while (true) {
            JsonNode message = readMessage(deadline, "event " + name);
            if (message == null) {
                return Optional.empty();
            }
            if (!message.has("event")) {
                continue;
            }
            if (isEvent(message, name, matches)) {
                return Optional.of(message);
            }
            queue(message);
        }
    }

    private static boolean isEvent(JsonNode message, String name, Predicate<JsonNode> matches) {
        if (!name.equals(message.path("event").asString(""))) {
            return false;
        }
        JsonNode data = message.get("data");
        return matches.test(data == null ? JSON.createObjectNode() : data);
    }

    private void queue(JsonNode event) {
        if (events.size() == MAX_QUEUED_EVENTS) {
            events.removeFirst();
        }
        events.addLast(event);
    }

    private void send(ObjectNode message, long deadline, String command) {
        byte[] bytes = JSON.writeValueAsBytes(message);
        ByteBuffer out = ByteBuffer.allocate(bytes.length + 1).put(bytes).put((byte) '\n').flip();
        try {
            while (out.hasRemaining()) {
                if (channel.write(out) > 0) {
                    continue;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new HostException(socket + ": could not send QMP " + command + " in time");
                }
                key.interestOps(SelectionKey.OP_WRITE);
                try {
                    selector.select(millis(left));
                    selector.selectedKeys().clear();
                } finally {
                    key.interestOps(SelectionKey.OP_READ);
                }
            }
        } catch (IOException e) {
            throw new HostException(socket + ": sending QMP " + command + ": " + e.getMessage(), e);
        }
    }

    /** The next message, or null when the deadline passed first. */
    private JsonNode readMessage(long deadline, String waitingFor) {
        try {
            while (true) {
                JsonNode message = nextBufferedMessage();
                if (message != null) {
                    return message;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                int ready = selector.select(millis(left));
                selector.selectedKeys().clear();
                if (ready == 0) {
                    continue;
                }
                chunk.clear();
                int n = channel.read(chunk);
                if (n < 0) {
                    throw new HostException(socket + ": QEMU closed the QMP connection while we waited for "
                            + waitingFor);
                }
                append(chunk.flip());
            }
        } catch (IOException e) {
            throw new HostException(socket + ": reading QMP (waiting for " + waitingFor + "): " + e.getMessage(), e);
        }
    }

    private void append(ByteBuffer data) {
        int need = pendingLength + data.remaining();
        if (need > MAX_MESSAGE_BYTES) {
            throw new HostException(socket + ": a QMP message longer than " + MAX_MESSAGE_BYTES + " bytes");
        }
        if (need > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(need, pending.length * 2));
        }
        data.get(pending, pendingLength, data.remaining());
        pendingLength = need;
    }

    private JsonNode nextBufferedMessage() {
        while (true) {
            int newline = -1;
            for (int i = 0; i < pendingLength; i++) {
                if (pending[i] == '\n') {
                    newline = i;
                    break;
                }
            }
            if (newline < 0) {
                return null;
            }
            String line = new String(pending, 0, newline, StandardCharsets.UTF_8).strip();
            System.arraycopy(pending, newline + 1, pending, 0, pendingLength - newline - 1);
            pendingLength -= newline + 1;
            if (line.isEmpty()) {
                continue;
            }
            try {
                return JSON.readTree(line);
            } catch (JacksonException e) {
                String shown = line.length() > 200 ? line.substring(0, 200) + "..." : line;
                throw new HostException(socket + ": QEMU sent a line that is not JSON: " + shown, e);
            }
        }
    }

    private static long deadline(Duration wait) {
        return System.nanoTime() + wait.toNanos();
    }

    private static long millis(long nanos) {
        return Math.max(1, (nanos + 999_999) / 1_000_000);
    }

    @Override
    public void close() {
        try {
            selector.close();
        } catch (IOException e) {
            // nothing left to do with a selector that will not close
        }
        closeQuietly(channel);
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // the connection is being dropped anyway
        }
    }
}

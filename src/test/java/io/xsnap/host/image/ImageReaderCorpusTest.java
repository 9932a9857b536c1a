package io.xsnap.host.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.exec.Command;
import io.xsnap.host.exec.CommandResult;
import io.xsnap.host.exec.ExecRunner;
import io.xsnap.host.exec.ProcessRunner;
import io.xsnap.render.ImagesJsonView;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The corpus {@code qemu-corpus.sh} makes (unusual valid images, damaged ones, and "unsafe-" ones that
 * qemu-img opens although they are truncated) held against the real {@code qemu-img info --output=json}:
 * <ul>
 *   <li>qemu-img refuses to open the image: xsnap refuses it too, and its message holds qemu-img's reason
 *       (or says which structure lies past the end of the file, where qemu-img would read zeros);</li>
 *   <li>qemu-img opens it: xsnap reads it, and every key both print has the same value, in every element of
 *       the backing chain (xsnap prints no key qemu-img does not); "unsafe-" images are the exception, which
 *       xsnap refuses;</li>
 *   <li>{@code --backing-chain} fails (a missing or damaged backing file, a loop): xsnap's chain ends with an
 *       error; it reaches further than qemu-img's only through a protocol backing name, where xsnap stops.</li>
 * </ul>
 */
class ImageReaderCorpusTest {
    private static final String UNSAFE = "unsafe-";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final ProcessRunner RUNNER = new ExecRunner();

    @TempDir
    static Path dir;

    private final ImageReader reader = new ImageReader();

    @BeforeAll
    static void makeCorpus() throws IOException {
        Path script = dir.resolve("qemu-corpus.sh");
        try (InputStream in = ImageReaderCorpusTest.class.getResourceAsStream("qemu-corpus.sh")) {
            Files.copy(in, script);
        }
        RUNNER.run(Command.of("bash", script.toString(), dir.resolve("c").toString())
                .withTimeout(Duration.ofMinutes(2)));
    }

    @Test
    void xsnapSaysWhatQemuImgSays() throws IOException {
        Path corpus = dir.resolve("c");
        List<String> cases = Files.readAllLines(corpus.resolve("cases.tsv"));
        List<String> problems = new ArrayList<>();
        int valid = 0;
        int refused = 0;
        int unsafe = 0;
        int elements = 0;
        for (String name : cases) {
            String arg = corpus + "/" + name;
            CommandResult top = qemuImg("info", "--output=json", arg);
            if (top.exitCode() != 0) {
                refused++;
                String reason = qemuReason(top.stderr(), arg);
                String ours = xsnapError(arg);
                if (ours == null) {
                    problems.add(name + ": qemu-img refuses (" + reason + ") but xsnap reads it");
                } else if (!ours.startsWith(arg + ": ") || !(ours.contains(reason) || ours.contains(": truncated: "))) {
                    problems.add(name + ": qemu-img says \"" + reason + "\", xsnap says \"" + ours + "\"");
                }
                continue;
            }
            if (Path.of(name).getFileName().toString().startsWith(UNSAFE)) {
                unsafe++;
                String ours = xsnapError(arg);
                if (ours == null || !ours.contains(": truncated: ")) {
                    problems.add(name + ": qemu-img reads zeros past the end of the file; xsnap should refuse,"
                            + " but says " + ours);
                }
                continue;
            }
            valid++;
            ImageChain chain;
            try {
                chain = reader.readChain(Path.of(arg), arg, null);
            } catch (ImageException e) {
                problems.add(name + ": qemu-img opens it, xsnap says " + e.getMessage());
                continue;
            }
            JsonNode ours = xsnapJson(arg, chain).get(0);
            CommandResult full = qemuImg("info", "--output=json", "--backing-chain", arg);
            if (full.exitCode() != 0) {
                String why = full.stderr().strip();
                if (chain.complete()) {
                    problems.add(name + ": qemu-img cannot follow the chain (" + why + ") but xsnap reads all of it");
                } else if (why.contains("creates an infinite loop") || why.contains("File name too long")) {
                    if (!chain.error().getMessage().contains(": backing loop: ")) {
                        problems.add(name + ": qemu-img finds a loop (" + why + "), xsnap says \""
                                + chain.error().getMessage() + "\"");
                    }
                } else if (why.startsWith("qemu-img: Could not open '") && !why.contains("No such file")) {
                    // a damaged backing file: the same reason as for the file alone
                    String reason = why.substring(why.indexOf("': ") + 3).lines().findFirst().orElse("");
                    if (!chain.error().getMessage().contains(reason) && !stoppedAtProtocol(chain)) {
                        problems.add(name + ": qemu-img says \"" + why + "\", xsnap says \""
                                + chain.error().getMessage() + "\"");
                    }
                }
                compare(name, JSON.readTree(top.stdoutText()), ours.get("chain").get(0), problems);
                elements++;
                continue;
            }
            JsonNode theirs = JSON.readTree(full.stdoutText());
            JsonNode mine = ours.get("chain");
            if (!chain.complete() && !stoppedAtProtocol(chain)) {
                problems.add(name + ": qemu-img follows the chain, xsnap stops: " + chain.error().getMessage());
            }
            if (mine.size() > theirs.size() || (chain.complete() && mine.size() != theirs.size())) {
                problems.add(name + ": chain of " + mine.size() + " images, qemu-img " + theirs.size());
            }
            for (int i = 0; i < Math.min(mine.size(), theirs.size()); i++) {
                compare(name + " [" + i + "]", theirs.get(i), mine.get(i), problems);
                elements++;
            }
        }
        System.out.printf("qemu-img corpus: %d cases: %d valid (%d chain elements compared), %d refused by both,"
                + " %d unsafe refused by xsnap only; %d differences%n", cases.size(), valid, elements, refused, unsafe,
                problems.size());
        assertEquals(List.of(), problems);
        assertTrue(valid >= 50 && refused >= 40 && unsafe >= 3, "the corpus shrank");
    }

    private static boolean stoppedAtProtocol(ImageChain chain) {
        ImageInfo last = chain.images().get(chain.images().size() - 1);
        return last.backingFile() != null && last.backingPath() == null;
    }

    /** Every key both print has the same value; xsnap prints no key qemu-img leaves out. */
    private static void compare(String where, JsonNode qemu, JsonNode xsnap, List<String> problems) {
        if (qemu.isObject() && xsnap.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = xsnap.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!qemu.has(e.getKey())) {
                    problems.add(where + ": xsnap prints " + e.getKey() + "=" + e.getValue() + ", qemu-img does not");
                } else {
                    compare(where + " " + e.getKey(), qemu.get(e.getKey()), e.getValue(), problems);
                }
            }
        } else if (qemu.isArray() && xsnap.isArray()) {
            if (qemu.size() != xsnap.size()) {
                problems.add(where + ": " + xsnap.size() + " entries, qemu-img " + qemu.size());
            }
            for (int i = 0; i < Math.min(qemu.size(), xsnap.size()); i++) {
                compare(where + "[" + i + "]", qemu.get(i), xsnap.get(i), problems);
            }
        } else if (!qemu.equals(xsnap)) {
            problems.add(where + ": xsnap " + xsnap + ", qemu-img " + qemu);
        }
    }

    private String xsnapError(String arg) {
        try {
            reader.readChain(Path.of(arg), arg, null);
            return null;
        } catch (ImageException e) {
            return e.getMessage();
        }
    }

    private static JsonNode xsnapJson(String arg, ImageChain chain) {
        StringWriter out = new StringWriter();
        ImagesJsonView view = new ImagesJsonView(out);
        view.image(arg, chain.images(), chain.complete() ? null : chain.error().getMessage());
        view.finish();
        return JSON.readTree(out.toString()).get("images");
    }

    /** "qemu-img: Could not open 'ARG': REASON" → REASON (its first line). */
    private static String qemuReason(String stderr, String arg) {
        String first = stderr.strip().lines().findFirst().orElse("");
        String prefix = "qemu-img: Could not open '" + arg + "': ";
        return first.startsWith(prefix) ? first.substring(prefix.length()) : first;
    }

    private static CommandResult qemuImg(String... args) {
        List<String> argv = new ArrayList<>();
        argv.add("qemu-img");
        argv.addAll(List.of(args));
        return RUNNER.run(Command.of(argv).accepting(0, 1).withTimeout(Duration.ofSeconds(30)));
    }
}

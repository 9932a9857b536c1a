package io.xsnap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line Main builds for a named subcommand behaves as the full tree does. */
class CommandTreeTest {
    private static String run(CommandLine cl, String... args) {
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(out, true));
        int code = cl.execute(args);
        return "exit " + code + "\n" + out;
    }

    @Test
    void subcommandNamesAreTheirCommandNames() {
        List<String> declared = new ArrayList<>();
        XsnapCommand.SUBCOMMANDS.values().forEach(c -> declared.add(c.getAnnotation(CommandLine.Command.class).name()));
        assertEquals(new ArrayList<>(XsnapCommand.SUBCOMMANDS.keySet()), declared);
    }

    @Test
    void aNamedSubcommandHelpsAndFailsAsInTheFullTree() {
        for (String name : XsnapCommand.SUBCOMMANDS.keySet()) {
            for (String[] args : List.of(new String[] {name, "--help"}, new String[] {name, "--no-such-option"})) {
                assertEquals(run(XsnapCommand.commandLine(), args), run(XsnapCommand.commandLine(args), args),
                        String.join(" ", args));
            }
        }
    }

    @Test
    void otherArgumentsGetTheFullTree() {
        for (String[] args : List.of(new String[] {}, new String[] {"--help"}, new String[] {"plna"},
                new String[] {"completion"})) {
            assertEquals(run(XsnapCommand.commandLine(), args), run(XsnapCommand.commandLine(args), args),
                    String.join(" ", args));
        }
    }
}

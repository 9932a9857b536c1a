package io.xsnap.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Help.Ansi;

/**
 * The man page xsnap(1) in roff, generated from the picocli model the commands are parsed with, so it says
 * what {@code --help} says: the top command's help, then every visible subcommand's. The Debian package's
 * build runs it ({@code java -cp xsnap.jar io.xsnap.cli.ManPage > xsnap.1}).
 */
public final class ManPage {
    private ManPage() {
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, false, StandardCharsets.UTF_8);
        write(XsnapCommand.commandLine(), new VersionProvider().getVersion()[0], out);
        out.flush();
    }

    /** Writes the page of {@code top}, the version line {@code version} in its footer. */
    static void write(CommandLine top, String version, PrintWriter out) {
        String summary = String.join(" ", top.getCommandSpec().usageMessage().description());
        out.println(".TH XSNAP 1 \"\" \"" + roff(version) + "\" \"User Commands\"");
        out.println(".SH NAME");
        out.println("xsnap \\- " + roff(summary));
        out.println(".SH SYNOPSIS");
        out.println(".B xsnap");
        out.println("[\\fIHOST-OPTIONS\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGUMENTS\\fR]");
        out.println(".SH DESCRIPTION");
        out.println(roff(summary) + " YAML specs say which snapshots each domain should have; xsnap observes what exists"
                + " on the host, plans the changes, shows them and applies them with xl, qemu-img and QEMU's QMP socket.");
        preformatted(top.getUsageMessage(Ansi.OFF), out);
        out.println(".SH COMMANDS");
        for (Map.Entry<String, CommandLine> e : top.getSubcommands().entrySet()) {
            CommandLine sub = e.getValue();
            if (sub.getCommandSpec().usageMessage().hidden()) {
                continue;
            }
            out.println(".SS " + roff(e.getKey()));
            preformatted(sub.getUsageMessage(Ansi.OFF), out);
        }
        out.println(".SH FILES");
        out.println(".TP\n.I /var/lib/xsnap\nThe snapshot store (--store, env XSNAP_STORE).");
        out.println(".TP\n.I /var/cache/xsnap/xsnap.jsa\nThe class-data archive the launcher makes on first use.");
        out.println(".SH SEE ALSO");
        out.println(".BR xl (1),");
        out.println(".BR qemu-img (1)");
    }

    /** Text as it is, line by line, in no-fill mode. */
    private static void preformatted(String text, PrintWriter out) {
        out.println(".PP\n.nf");
        for (String line : text.split("\\R", -1)) {
            out.println(line.isEmpty() ? "" : roff(line));
        }
        out.println(".fi");
    }

    /** Escapes for roff: backslashes, dashes, and a leading dot or quote that would start a request. */
    static String roff(String s) {
        String t = s.replace("\\", "\\e").replace("-", "\\-");
        return t.startsWith(".") || t.startsWith("'") ? "\\&" + t : t;
    }
}

package io.xsnap.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code xsnap schema [NAME]}: prints one of the JSON Schemas the jar embeds. */
@Command(name = "schema", mixinStandardHelpOptions = true,
        description = "Prints an embedded JSON Schema (draft 2020-12): spec (the YAML specs), and, where this"
                + " build has them, manifest, plan and state.")
public final class SchemaCommand implements Callable<Integer> {
    /** Every schema xsnap may embed, as schemas/NAME-v1.schema.json; only those in the jar are offered. */
    static final List<String> NAMES = List.of("spec", "manifest", "plan", "state");

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", defaultValue = "spec",
            description = "Which schema (default: ${DEFAULT-VALUE}).")
    String name;

    @Override
    public Integer call() {
        List<String> available = available();
        if (!available.contains(name)) {
            throw new ParameterException(spec.commandLine(),
                    "unknown schema \"" + name + "\"; available: " + String.join(", ", available));
        }
        PrintWriter out = spec.commandLine().getOut();
        String text = read(resource(name));
        out.print(text.endsWith("\n") ? text : text + "\n");
        out.flush();
        return ExitCodes.OK;
    }

    static List<String> available() {
        return NAMES.stream().filter(n -> SchemaCommand.class.getResource(resource(n)) != null).toList();
    }

    private static String resource(String name) {
        return "/schemas/" + name + "-v1.schema.json";
    }

    private static String read(String resource) {
        try (InputStream in = SchemaCommand.class.getResourceAsStream(resource)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource + " from the jar", e);
        }
    }
}

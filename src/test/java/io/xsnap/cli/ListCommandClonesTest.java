package io.xsnap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What `xsnap list` says of clones: an overlay holds the snapshot, a clone made of reflink copies only does not. */
class ListCommandClonesTest {
    @Test
    void clonesOfReflinkCopiesOnlyAreNotSaidToHoldTheirSnapshot() {
        StringWriter out = new StringWriter();
        ListCommand.printClones(List.of(), List.of(
                new ListCommand.Clone("app1", "web01/gold", true, true, List.of("xvda:/s/app1/layers/xvda.1.qcow2 on /img/a")),
                new ListCommand.Clone("app2", "web01/gold", false, false,
                        List.of("xvdb:/s/app2/layers/xvdb.1.raw (reflink copy of /s/web01/layers/xvdb.1.raw)"))),
                new PrintWriter(out, true));
        assertEquals(String.join(System.lineSeparator(), "",
                "Clones (a snapshot cannot be deleted while a clone's overlays build on its frozen files):",
                "  web01/gold is used by app1",
                "  web01/gold was copied for app2 (own copies: they do not hold it)",
                "  app1 (running) from web01/gold: xvda:/s/app1/layers/xvda.1.qcow2 on /img/a",
                "  app2 (not running) from web01/gold: xvdb:/s/app2/layers/xvdb.1.raw (reflink copy of /s/web01/layers/xvdb.1.raw)",
                ""), out.toString());
    }
}

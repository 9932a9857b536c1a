package io.xsnap.apply;

import io.xsnap.host.DomainDriver;
import io.xsnap.host.qemuimg.QemuImg;
import io.xsnap.observe.Observer;
import io.xsnap.observe.StoreLayout;
import java.time.Clock;
import tools.jackson.databind.json.JsonMapper;

/** What every action runner needs: the host tools, the store, the journal, and where to report. */
public record ApplyContext(DomainDriver driver, QemuImg qemuImg, Observer observer, StoreLayout layout,
                           Journal journal, JsonMapper json, Reporter reporter, Clock clock) {
}

package io.xsnap.apply;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.image.ImageReader;
import io.xsnap.host.qemuimg.QemuImg;
import io.xsnap.host.xl.Reflink;
import io.xsnap.host.xl.Xl;
import io.xsnap.host.xl.XlDriver;
import io.xsnap.observe.Json;
import io.xsnap.observe.Observer;
import io.xsnap.observe.SnapshotStore;
import io.xsnap.observe.StoreLayout;
import io.xsnap.testing.XenLab;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/** In-process apply with the xl driver against a {@link XenLab}'s stand-in, for tests that act between steps. */
final class XlApply {
    private XlApply() {
    }

    static XlDriver driver(XenLab lab, Path store) {
        return new XlDriver(new Xl(lab.images().runner(), lab.xl().toString()), new Reflink(lab.images().runner()),
                lab.runDir(), store, Map.of());
    }

    /** What the executor needs: the xl driver, real qemu-img, a journal in the store; apply says its lines to {@code reporter}. */
    static ApplyContext context(XenLab lab, Path store, Reporter reporter) {
        StoreLayout layout = new StoreLayout(store);
        XlDriver driver = driver(lab, store);
        Observer observer = new Observer(driver, new ImageReader()::read, new SnapshotStore(layout, Json.mapper()));
        return new ApplyContext(driver, new QemuImg(lab.images().runner()), observer, layout,
                new Journal(layout.journal(), Json.mapper()), Json.mapper(), reporter, Clock.systemUTC());
    }

    /** The files the domain's disks run on now (xsnap's view: QMP for qdisk disks, the config for raw ones). */
    static List<Path> chain(XenLab lab, Path store, String domain) {
        return driver(lab, store).list().stream().filter(d -> d.name().equals(domain)).findFirst()
                .map(DomainInfo::disks).orElseThrow().stream().map(DiskInfo::path).toList();
    }
}

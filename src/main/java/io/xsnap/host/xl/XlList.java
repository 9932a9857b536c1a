package io.xsnap.host.xl;

import io.xsnap.host.HostException;
import io.xsnap.host.RunState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads {@code xl list -l} (JSON) and {@code xl list} (the State column) into {@link XlDomain}s. Pure: text in,
 * records out.
 *
 * <p>The JSON is libxl's generated form: fields that hold their default value are left out, enums are
 * lowercase strings, defbools are "True"/"False". So a disk without {@code readwrite} is read-only, one
 * without {@code format} is raw, one without {@code backend} gets libxl's choice (phy for raw, else qdisk).
 */
public final class XlList {
    /** r running, b blocked, p paused, s shutdown, a shutdown reason (-rscwS), d dying. */
    private static final Pattern STATE = Pattern.compile("[r-][b-][p-][s-][-rscwS][d-]");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private XlList() {
    }

    /** The domains present in both outputs (a domain that came or went between the two calls is skipped), dom0 left out, sorted by name. */
    public static List<XlDomain> parse(String listLong, String table) {
        Map<Long, RunState> states = states(table);
        JsonNode array;
        try {
            array = JSON.readTree(listLong);
        } catch (JacksonException e) {
            throw new HostException("xl list -l: output is not JSON: " + e.getOriginalMessage(), e);
        }
        if (array == null || !array.isArray()) {
            throw new HostException("xl list -l: expected a JSON array of {domid, config}");
        }
        List<XlDomain> domains = new ArrayList<>();
        for (JsonNode entry : array) {
            JsonNode domid = entry.get("domid");
            JsonNode config = entry.get("config");
            if (domid == null || !domid.canConvertToLong() || config == null || !config.isObject()) {
                throw new HostException("xl list -l: an entry without domid or config: " + shorten(entry.toString()));
            }
            long id = domid.asLong();
            RunState state = states.get(id);
            if (id == 0 || state == null) {
                continue;
            }
            String name = config.path("c_info").path("name").asString("");
            if (name.isEmpty()) {
                throw new HostException("xl list -l: domain " + id + " has no c_info.name");
            }
            boolean stubdom = "True".equals(config.path("b_info").path("device_model_stubdomain").asString(""));
            domains.add(new XlDomain(id, name, state, config, JSON.writeValueAsString(config), stubdom, disks(name, config)));
        }
        domains.sort(Comparator.comparing(XlDomain::name));
        return domains;
    }

    static List<XlDomain.Disk> disks(String domain, JsonNode config) {
        List<XlDomain.Disk> disks = new ArrayList<>();
        for (JsonNode d : config.path("disks")) {
            String format = d.path("format").asString("raw");
            if (d.path("is_cdrom").asInt(0) != 0 || format.equals("empty")) {
                continue;
            }
            String vdev = d.path("vdev").asString("");
            String target = d.path("pdev_path").asString("");
            if (vdev.isEmpty() || target.isEmpty()) {
                throw new HostException("xl list -l: domain " + domain + " has a disk without vdev or pdev_path: "
                        + shorten(d.toString()));
            }
            String backend = d.path("backend").asString("");
            if (backend.isEmpty() || backend.equals("unknown")) {
                backend = format.equals("raw") ? "phy" : "qdisk";
            }
            disks.add(new XlDomain.Disk(vdev, Path.of(target), format, backend, d.path("readwrite").asInt(0) == 0));
        }
        return disks;
    }

    /** domid → state from the {@code xl list} table (Name ID Mem VCPUs State Time(s)); names may hold spaces. */
    static Map<Long, RunState> states(String table) {
        Map<Long, RunState> states = new HashMap<>();
        for (String line : table.split("\n")) {
            String[] t = line.strip().split("\\s+");
            if (t.length < 6 || !STATE.matcher(t[t.length - 2]).matches()) {
                continue;
            }
            try {
                states.put(Long.parseLong(t[t.length - 5]), state(t[t.length - 2]));
            } catch (NumberFormatException e) {
                throw new HostException("xl list: cannot read the domain id in: " + line.strip());
            }
        }
        return states;
    }

    /** The State column in xsnap's words; blocked (idle) and "------" count as running. */
    static RunState state(String column) {
        if (column.charAt(5) == 'd') {
            return RunState.DYING;
        }
        if (column.charAt(3) == 's') {
            return column.charAt(4) == 'c' ? RunState.CRASHED : RunState.SHUTDOWN;
        }
        return column.charAt(2) == 'p' ? RunState.PAUSED : RunState.RUNNING;
    }

    private static String shorten(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}

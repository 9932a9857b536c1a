package io.xsnap.observe;

import java.nio.file.Path;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.cfg.EnumFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;

/**
 * The JSON mapping of xsnap's own documents (manifests, observed state, plans): paths as plain strings,
 * instants as ISO-8601 text, stable property order, pretty output. Each call makes a new mapper.
 */
public final class Json {
    private Json() {
    }

    public static JsonMapper mapper() {
        SimpleModule paths = new SimpleModule("xsnap-paths");
        paths.addSerializer(Path.class, new ValueSerializer<Path>() {
            @Override
            public void serialize(Path value, JsonGenerator gen, SerializationContext ctxt) {
                gen.writeString(value.toString());
            }
        });
        paths.addDeserializer(Path.class, new ValueDeserializer<Path>() {
            @Override
            public Path deserialize(JsonParser p, DeserializationContext ctxt) {
                return Path.of(p.getString());
            }
        });
        return JsonMapper.builder()
                .addModule(paths)
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .changeDefaultPropertyInclusion(i -> i.withValueInclusion(JsonInclude.Include.NON_NULL))
                .enable(SerializationFeature.INDENT_OUTPUT)
                .disable(DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(EnumFeature.WRITE_ENUMS_TO_LOWERCASE)
                .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
                .build();
    }
}

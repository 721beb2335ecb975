package io.collapse.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Reads experiment configs: JSON, then {@code --set path.to.field=value} overrides, then the
 * records' own validation. Unknown keys are errors (a typo must not silently fall back to a
 * default); every message names the file and the field.
 */
public final class ConfigLoader {

    public static final ObjectMapper JSON = StrictJson.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // An absent number is 0 and an absent flag false; each record's validation then names
            // the field where 0 is not allowed ("train.epochs must be >= 1, got 0").
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .build();

    private ConfigLoader() {}

    public static <T> T load(Path file, Class<T> type, List<String> overrides) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("config file not found: " + file);
        }
        JsonNode tree;
        try (InputStream in = Files.newInputStream(file)) {
            tree = JSON.readTree(in);
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": " + StrictJson.describe(e));
        }
        return fromTree(tree, type, overrides, file.toString());
    }

    /**
     * A config section from a command's options: {@code fields} (JSON names; null values left out, so
     * the record's defaults apply) over {@code base} (a map of JSON names, or a config record). A bad
     * value fails as the config file's would, naming {@code section.field}.
     */
    public static <T> T fromFields(String section, Class<T> type, Object base, Map<String, ?> fields) {
        ObjectNode tree = JSON.valueToTree(base);
        fields.forEach((name, value) -> {
            if (value != null) {
                tree.set(name, JSON.valueToTree(value));
            }
        });
        try {
            return JSON.treeToValue(tree, type);
        } catch (JsonMappingException e) {
            throw new IllegalArgumentException(mappingProblem(e, section + "."), e);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(section + ": " + StrictJson.describe(e), e);
        }
    }

    /**
     * {@code config} with {@code fields} (JSON names) changed: a copy through the same defaults and
     * checks a config file goes through, so that no caller restates a record's fields by position.
     */
    @SuppressWarnings("unchecked")
    public static <T extends Record> T with(String section, T config, Map<String, ?> fields) {
        return fromFields(section, (Class<T>) config.getClass(), config, fields);
    }

    /** Dotted paths where two config trees differ, e.g. "train.epochs: 5 -> 10". */
    public static List<String> differences(JsonNode was, JsonNode now, String prefix) {
        List<String> out = new ArrayList<>();
        if (was != null && now != null && was.isObject() && now.isObject()) {
            Set<String> keys = new TreeSet<>();
            was.fieldNames().forEachRemaining(keys::add);
            now.fieldNames().forEachRemaining(keys::add);
            for (String k : keys) {
                out.addAll(differences(was.get(k), now.get(k), prefix.isEmpty() ? k : prefix + "." + k));
            }
        } else if (was == null ? now != null : !was.equals(now)) {
            out.add(prefix + ": " + was + " -> " + now);
        }
        return out;
    }

    /**
     * {@code name, value, name, value…} as a map in that order: a config's fields for
     * {@link #fromFields} (a null value stands for "not given"), or an event's fields.
     */
    public static Map<String, Object> fields(Object... namesAndValues) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            fields.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return fields;
    }

    public static <T> T fromTree(JsonNode tree, Class<T> type, List<String> overrides, String source) throws IOException {
        if (!(tree instanceof ObjectNode root)) {
            throw new IOException(source + ": expected a JSON object at the top level");
        }
        for (String o : overrides) {
            applyOverride(root, o);
        }
        try {
            return JSON.treeToValue(root, type);
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", "));
            throw new IOException(source + ": unknown field '" + StrictJson.path(e) + "'; allowed here: " + known);
        } catch (JsonMappingException e) {
            throw new IOException(source + ": " + mappingProblem(e));
        }
    }

    /** The dotted path an override sets: "train.micro_batch" of " train.micro_batch = 8" (null without '='). */
    public static String overridePath(String assignment) {
        int eq = assignment.indexOf('=');
        return eq <= 0 ? null : assignment.substring(0, eq).trim();
    }

    /** Sets {@code a.b.c=value}; the value is taken as JSON when it parses (numbers, booleans, arrays), else as a string. */
    static void applyOverride(ObjectNode root, String assignment) throws IOException {
        String dotted = overridePath(assignment);
        if (dotted == null) {
            throw new IOException("--set expects path.to.field=value, got '" + assignment + "'");
        }
        int eq = assignment.indexOf('=');
        String[] path = dotted.split("\\.");
        String raw = assignment.substring(eq + 1);
        if (raw.isEmpty()) { // Jackson would read "" as 0 or false: an empty value is a typo, not a setting
            throw new IOException("--set " + assignment + ": no value after '='; expected path.to.field=value");
        }
        JsonNode value;
        try {
            value = JSON.readTree(raw);
            if (value == null || value.isMissingNode()) {
                value = TextNode.valueOf(raw);
            }
        } catch (JsonProcessingException e) {
            value = TextNode.valueOf(raw);
        }
        ObjectNode node = root;
        for (int i = 0; i < path.length - 1; i++) {
            JsonNode child = node.get(path[i]);
            if (child == null) {
                child = node.putObject(path[i]);
            } else if (!(child instanceof ObjectNode)) {
                throw new IOException("--set " + assignment + ": '" + String.join(".", List.of(path).subList(0, i + 1))
                        + "' is not an object");
            }
            node = (ObjectNode) child;
        }
        node.set(path[path.length - 1], value);
    }

    /** A record's own validation message (it names its field), else the JSON problem at its field. */
    public static String mappingProblem(JsonMappingException e) {
        return mappingProblem(e, "");
    }

    /** As {@link #mappingProblem(JsonMappingException)}, the field named {@code section.field} (section "": as it stands). */
    private static String mappingProblem(JsonMappingException e, String section) {
        String path = StrictJson.path(e);
        String where = path.isEmpty() ? "" : section + path;
        if (e instanceof InvalidFormatException f && f.getTargetType().isEnum()) {
            return Check.notOneOf(where, f.getValue(), Arrays.asList(f.getTargetType().getEnumConstants()));
        }
        if (e.getCause() instanceof IllegalArgumentException cause) {
            return where.isEmpty() || cause.getMessage().contains(where) ? cause.getMessage() : where + ": " + cause.getMessage();
        }
        return e.getOriginalMessage().startsWith("Cannot map `null` into type") ? where + ": is required" : StrictJson.describe(e);
    }

}

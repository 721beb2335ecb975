package io.collapse.model.hf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.collapse.config.StrictJson;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Predicate;

/**
 * A tokenizer's config files (tokenizer_config.json, special_tokens_map.json) read field by field,
 * as {@link TokenizerSettings} and text's {@code HfTokenizerConfig} both do: each fault is a
 * {@link CheckpointException} naming the file and the key.
 */
public final class HfJson {

    private HfJson() {}

    /** {@code bytes}, the content of {@code file}, parsed as a JSON object. */
    public static JsonNode object(Path file, byte[] bytes) throws IOException {
        JsonNode root;
        try {
            root = StrictJson.MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new CheckpointException(file, StrictJson.describe(e));
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointException(file, "expected a JSON object");
        }
        return root;
    }

    /** {@code key}'s true or false; null when absent or JSON null. */
    public static Boolean flag(Path file, JsonNode root, String key) throws CheckpointException {
        JsonNode v = value(file, root, key, JsonNode::isBoolean, "true or false");
        return v == null ? null : v.asBoolean();
    }

    /** {@code key}'s string; null when absent or JSON null. */
    public static String text(Path file, JsonNode root, String key) throws CheckpointException {
        JsonNode v = value(file, root, key, JsonNode::isTextual, "a string");
        return v == null ? null : v.asText();
    }

    private static JsonNode value(Path file, JsonNode root, String key, Predicate<JsonNode> valid, String expected)
            throws CheckpointException {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!valid.test(v)) {
            throw new CheckpointException(file, key + " is " + v + "; expected " + expected);
        }
        return v;
    }
}

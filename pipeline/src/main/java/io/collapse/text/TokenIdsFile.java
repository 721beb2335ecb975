package io.collapse.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.collapse.config.StrictJson;
import io.collapse.io.RegularFiles;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A JSON file of token ids, as {@code generate --prompt-ids} and {@code score --tokens} read it:
 * an array of token-id arrays, or one array of token ids (one sequence). Anything else is refused
 * naming the file, the sequence and the element.
 */
public final class TokenIdsFile {

    private TokenIdsFile() {}

    public static List<int[]> read(Path file) throws IOException {
        JsonNode root;
        try {
            if (!RegularFiles.isPresent(file)) { // a FIFO or folder is refused by name, not waited on
                throw new NoSuchFileException(file.toString());
            }
            String text = Files.readString(file);
            root = StrictJson.MAPPER.readTree(text.startsWith("\uFEFF") ? text.substring(1) : text); // a BOM some editors write
        } catch (NoSuchFileException e) {
            throw new IOException(file + ": no such file", e);
        } catch (CharacterCodingException e) {
            throw new IOException(file + ": not UTF-8 text; expected a JSON array of token ids", e);
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": " + StrictJson.describe(e));
        }
        if (root == null || !root.isArray() || root.isEmpty()) {
            throw new IOException(file + ": expected a non-empty JSON array of token-id arrays (or one array of token ids)");
        }
        if (root.get(0).isNumber()) {
            return List.of(sequence(root, file, 0));
        }
        List<int[]> sequences = new ArrayList<>();
        for (int s = 0; s < root.size(); s++) {
            sequences.add(sequence(root.get(s), file, s));
        }
        return sequences;
    }

    private static int[] sequence(JsonNode seq, Path file, int s) throws IOException {
        if (!seq.isArray()) {
            throw new IOException(file + ": sequence " + s + " is " + abbreviate(seq) + ", expected an array of token ids");
        }
        if (seq.isEmpty()) {
            throw new IOException(file + ": sequence " + s + " is [], expected at least one token id");
        }
        int[] ids = new int[seq.size()];
        for (int p = 0; p < ids.length; p++) {
            JsonNode id = seq.get(p);
            if (!id.isIntegralNumber() || !id.canConvertToInt()) {
                throw new IOException(file + ": sequence " + s + ", element " + p + " is " + abbreviate(id)
                        + ", expected an integer token id");
            }
            ids[p] = id.intValue();
        }
        return ids;
    }

    private static String abbreviate(JsonNode node) {
        String text = node.toString();
        return text.length() <= 40 ? text : text.substring(0, 37) + "...";
    }
}

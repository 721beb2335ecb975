package io.collapse.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Jackson as every file a user hands us is read — run configs, HF config.json, safetensors
 * headers, tokenizer files: nothing after the top-level value, no key given twice (which of two
 * values would win is not the user's choice to leave to a library), no fraction where an integer
 * belongs ({@code epochs: 2.7} is not 2), and at most {@link #MAX_DEPTH} levels of nesting. Its
 * errors become one line through {@link #describe}, with no library class names and no source excerpt.
 */
public final class StrictJson {

    /** Far deeper than any file we read needs (a tokenizer.json nests about 5). */
    public static final int MAX_DEPTH = 64;

    /** For reading only; callers that also write add their own features to {@link #builder()}. */
    public static final ObjectMapper MAPPER = builder().build();

    private static final Pattern NUMBER = Pattern.compile("\\((-?[0-9.eE+-]+)\\)");

    private StrictJson() {}

    public static JsonMapper.Builder builder() {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        return JsonMapper.builder(factory)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                // An enum field is named by its value ("beam"), never by its position in our declaration.
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
    }

    /** One line for the user: the field (when known), what was expected and what was found, else where parsing stopped. */
    public static String describe(JsonProcessingException e) {
        String field = e instanceof JsonMappingException m ? path(m) : "";
        String why = why(e);
        return field.isEmpty() ? why : field + ": " + why;
    }

    /** Why a file did not read: {@link #describe} for a JSON problem, else the system's message. */
    public static String reason(IOException e) {
        return e instanceof JsonProcessingException j ? describe(j) : e.getMessage();
    }

    /** The field a mapping error concerns, as {@code train.epochs} or {@code merges.[3]}. */
    public static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
    }

    private static String why(JsonProcessingException e) {
        if (e instanceof StreamConstraintsException || e.getCause() instanceof StreamConstraintsException) {
            JsonProcessingException limit = e instanceof StreamConstraintsException ? e : (JsonProcessingException) e.getCause();
            // Jackson's other limits (a number's digits, a string's length) are told in its words, less the class name.
            return limit.getOriginalMessage().startsWith("Document nesting depth")
                    ? "nested more than " + MAX_DEPTH + " levels deep" + at(e)
                    : limit.getOriginalMessage().replaceAll(", (from|use) `[^`]*`", "").strip() + at(e);
        }
        if (e.getCause() instanceof InputCoercionException c) {
            return "expected " + expected(c.getTargetType()) + ", got " + found(c.getOriginalMessage());
        }
        if (e instanceof InvalidFormatException f) {
            return "expected " + expected(f.getTargetType()) + ", got " + f.getValue();
        }
        if (e instanceof MismatchedInputException m && m.getOriginalMessage().startsWith("Trailing token")) {
            return "unexpected content after the JSON value" + at(e);
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            return "expected " + expected(m.getTargetType());
        }
        if (e instanceof JsonMappingException) {
            return e.getOriginalMessage().replaceAll("`[^`]*`", "a value");
        }
        // Jackson's own words, less where it names its source or a setting of its own.
        return "not valid JSON" + at(e) + ": " + e.getOriginalMessage()
                .replaceAll("\\[Source: [^;]*; (line: \\d+(, column: \\d+)?)\\]", "$1")
                .replaceAll(":? enable `[^`]*` to allow", "")
                .replaceAll(" \\(not recognized as one since Feature '[A-Z_]+' not enabled for parser\\)", "");
    }

    /** What a Java type means in JSON words, never the class name. */
    private static String expected(Class<?> type) {
        if (type == int.class || type == Integer.class) {
            return "an integer in [" + Integer.MIN_VALUE + ", " + Integer.MAX_VALUE + "]";
        }
        if (type == long.class || type == Long.class) {
            return "an integer in [" + Long.MIN_VALUE + ", " + Long.MAX_VALUE + "]";
        }
        if (type == double.class || type == Double.class || type == float.class || type == Float.class) {
            return "a number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type != null && (type.isArray() || Iterable.class.isAssignableFrom(type))) {
            return "an array";
        }
        return "an object";
    }

    private static String found(String message) {
        Matcher m = NUMBER.matcher(message);
        return m.find() ? m.group(1) : "a number out of range";
    }

    private static String at(JsonProcessingException e) {
        JsonLocation loc = e.getLocation();
        return loc == null || loc.getLineNr() < 1 ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }
}

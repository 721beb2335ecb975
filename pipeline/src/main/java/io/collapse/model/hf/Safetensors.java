package io.collapse.model.hf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.collapse.config.StrictJson;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The safetensors format: 8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and [begin, end) byte offsets into the data section, then the raw data.
 * Every inconsistency is reported with the file name and the tensor concerned.
 */
public final class Safetensors {

    /** Headers larger than this are refused (the reference implementation's own limit). */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final ObjectMapper JSON = StrictJson.MAPPER;

    private Safetensors() {}

    /**
     * Reads every tensor, in file order; the data is memory-mapped, not copied. Every entry is
     * checked, including ones a caller then drops (a tied lm_head), and the entries must tile the
     * data section exactly, as the format requires: no two tensors share bytes, no byte is unused.
     */
    public static Map<String, HostTensor> read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header h = header(file, ch);
            long dataStart = 8 + h.length();
            long dataLen = ch.size() - dataStart;
            List<Entry> entries = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = h.json().fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getKey().equals("__metadata__")) {
                    entries.add(Entry.parse(file, e.getKey(), e.getValue()));
                }
            }
            // Tensors come back in data order, as torch writes them; empty ones first at a shared offset.
            entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
            checkTiling(file, entries, dataLen);
            Map<String, HostTensor> out = new LinkedHashMap<>();
            for (Entry e : entries) {
                ByteBuffer data = ch.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), e.end() - e.begin());
                out.put(e.name(), new HostTensor(e.dtype(), e.shape(), data));
            }
            return out;
        }
    }

    /** One header entry, its shape's byte size checked against its offsets. */
    private record Entry(String name, HostTensor.DType dtype, long[] shape, long begin, long end) {

        static Entry parse(Path file, String name, JsonNode t) throws CheckpointException {
            HostTensor.DType dtype;
            try {
                dtype = HostTensor.DType.valueOf(t.path("dtype").asText());
            } catch (IllegalArgumentException ex) {
                throw new CheckpointException(file, "tensor '" + name + "' has unknown dtype '" + t.path("dtype").asText() + "'");
            }
            JsonNode shapeNode = t.path("shape");
            JsonNode offsets = t.path("data_offsets");
            if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
                throw new CheckpointException(file, "tensor '" + name + "' lacks a shape array or a [begin, end] data_offsets pair");
            }
            long[] shape = new long[shapeNode.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = nonNegative(file, name, "shape", shapeNode.get(i));
            }
            long begin = nonNegative(file, name, "data_offsets", offsets.get(0));
            long end = nonNegative(file, name, "data_offsets", offsets.get(1));
            long need;
            try {
                need = Math.multiplyExact(HostTensor.numel(shape), dtype.bytes);
            } catch (ArithmeticException e) {
                throw new CheckpointException(file, "tensor '" + name + "' " + dtype + Arrays.toString(shape)
                        + " has more than 2^63 bytes");
            }
            if (end - begin != need) {
                throw new CheckpointException(file, "tensor '" + name + "' spans " + (end - begin) + " bytes ([" + begin + ", "
                        + end + "]) but " + dtype + Arrays.toString(shape) + " needs " + need);
            }
            return new Entry(name, dtype, shape, begin, end);
        }

        private static long nonNegative(Path file, String name, String field, JsonNode n) throws CheckpointException {
            if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 0) {
                throw new CheckpointException(file, "tensor '" + name + "' has " + field + " value " + n
                        + ", expected an integer in [0, 2^63)");
            }
            return n.asLong();
        }
    }

    /** Sorted entries must cover [0, dataLen) end to end: an overlap would alias two tensors, a gap hide bytes. */
    private static void checkTiling(Path file, List<Entry> sorted, long dataLen) throws CheckpointException {
        long at = 0;
        String previous = "the start of the data section";
        for (Entry e : sorted) {
            if (e.end() > dataLen) {
                throw new CheckpointException(file, "tensor '" + e.name() + "' has data_offsets [" + e.begin() + ", " + e.end()
                        + "] outside the data section of " + dataLen + " bytes (truncated file?)");
            }
            if (e.begin() != at) {
                throw new CheckpointException(file, "tensor '" + e.name() + "' begins at byte " + e.begin() + " but "
                        + previous + " ends at " + at + (e.begin() < at ? " (overlapping tensors)" : " (a gap)")
                        + "; data_offsets must tile the data section exactly");
            }
            at = e.end();
            previous = "tensor '" + e.name() + "'";
        }
        if (at != dataLen) {
            throw new CheckpointException(file, "the tensors end at byte " + at + " but the data section has " + dataLen
                    + " bytes; data_offsets must tile the data section exactly (trailing bytes)");
        }
    }

    /** The {@code __metadata__} string map, empty when absent. */
    public static Map<String, String> metadata(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            JsonNode meta = header(file, ch).json().path("__metadata__");
            Map<String, String> out = new TreeMap<>();
            meta.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
            return out;
        }
    }

    /**
     * Writes tensors sorted by name with {@code "__metadata__": {"format": "pt"}}, the header
     * padded with spaces to a multiple of 8, as transformers' own writer does. Not atomic by
     * itself: callers write to a temporary name and rename.
     */
    public static void write(Path file, Map<String, HostTensor> tensors, Map<String, String> metadata) throws IOException {
        TreeMap<String, HostTensor> sorted = new TreeMap<>(tensors);
        ObjectNode header = JSON.createObjectNode();
        ObjectNode meta = header.putObject("__metadata__");
        meta.put("format", "pt");
        metadata.forEach(meta::put);
        long offset = 0;
        for (Map.Entry<String, HostTensor> e : sorted.entrySet()) {
            HostTensor t = e.getValue();
            ObjectNode n = header.putObject(e.getKey());
            n.put("dtype", t.dtype().name());
            var shape = n.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            long len = t.data().remaining();
            n.putArray("data_offsets").add(offset).add(offset + len);
            offset += len;
        }
        byte[] headerBytes = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (headerBytes.length + 7) / 8 * 8;
        ByteBuffer prefix = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        prefix.putLong(padded).put(headerBytes);
        while (prefix.hasRemaining()) {
            prefix.put((byte) ' ');
        }
        prefix.flip();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, prefix);
            for (HostTensor t : sorted.values()) {
                writeFully(ch, t.data().duplicate());
            }
            ch.force(true);
        }
    }

    /** The 8-byte header length, checked against the limit and the file size. */
    private static long headerLength(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new CheckpointException(file, "truncated: " + size + " bytes, a safetensors file starts with an 8-byte header length");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0);
        long headerLen = lenBuf.getLong(0);
        if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES) {
            throw new CheckpointException(file, "header length " + headerLen + " is outside (0, " + MAX_HEADER_BYTES + "]");
        }
        if (8 + headerLen > size) {
            throw new CheckpointException(file, "truncated: header says " + headerLen + " bytes but the file has " + (size - 8) + " after the length");
        }
        return headerLen;
    }

    /** The header's byte length and its JSON object: tensor name → dtype, shape, data_offsets, plus {@code __metadata__}. */
    private record Header(long length, JsonNode json) {}

    private static Header header(Path file, FileChannel ch) throws IOException {
        long headerLen = headerLength(file, ch);
        ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
        readFully(ch, headerBuf, 8);
        JsonNode header;
        try {
            header = JSON.readTree(new String(headerBuf.array(), StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new CheckpointException(file, "header: " + StrictJson.describe(e));
        }
        if (header == null || !header.isObject()) {
            throw new CheckpointException(file, "header is not a JSON object");
        }
        return new Header(headerLen, header);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}

package io.collapse.model.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TorchPickleTest {

    static final Path FIXTURES = Path.of("src/test/resources/hf-opt");

    @TempDir Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"case-a-preln", "case-b-postln-proj"})
    void fixtureBinEqualsSafetensorsBitwise(String name) throws IOException {
        Map<String, HostTensor> fromBin = TorchPickle.read(FIXTURES.resolve(name).resolve("pytorch_model.bin"));
        Map<String, HostTensor> fromSt = Safetensors.read(FIXTURES.resolve(name).resolve("model.safetensors"));
        assertEquals(fromSt.size(), fromBin.size());
        for (Map.Entry<String, HostTensor> e : fromBin.entrySet()) {
            assertFalse(e.getKey().startsWith("model."), e.getKey());
            HostTensor expected = fromSt.get("model." + e.getKey());
            assertNotNull(expected, "no model." + e.getKey() + " in model.safetensors");
            assertTensorEquals(expected, e.getValue(), e.getKey());
        }
    }

    @Test
    void stridedOffsetAndSharedStoragesAreMadeContiguous() throws IOException {
        // One F16 storage of 12 elements 0..11 shared by three views, plus an F32 parameter.
        short[] halves = new short[12];
        for (int i = 0; i < 12; i++) {
            halves[i] = HostTensor.floatToHalf(i);
        }
        Pickle p = new Pickle().proto(2).orderedDict();
        p.mark();
        p.str("full").tensor("HalfStorage", "0", 12, 0, new int[] {3, 4}, new int[] {4, 1});
        p.str("transposed").tensor("HalfStorage", "0", 12, 0, new int[] {4, 3}, new int[] {1, 4});
        p.str("sliced").tensor("HalfStorage", "0", 12, 5, new int[] {3}, new int[] {2});
        p.str("param").global("torch._utils", "_rebuild_parameter").mark()
                .tensor("FloatStorage", "1", 2, 0, new int[] {2}, new int[] {1}).newFalse().orderedDict().tuple().reduce();
        p.setItems();
        // state_dict()'s `_metadata` attribute, set with BUILD.
        p.emptyDict().str("_metadata").orderedDict().setItem().build().stop();
        ByteBuffer f32 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f);
        Path file = zip(Map.of("archive/data.pkl", p.bytes(), "archive/data/0", shorts(halves), "archive/data/1", f32.array(),
                "archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII)));

        Map<String, HostTensor> t = TorchPickle.read(file);
        assertEquals(List.of("full", "transposed", "sliced", "param"), List.copyOf(t.keySet()));
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, t.get("full").toFloats());
        assertArrayEquals(new long[] {4, 3}, t.get("transposed").shape());
        assertArrayEquals(new float[] {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, t.get("transposed").toFloats());
        assertArrayEquals(new float[] {5, 7, 9}, t.get("sliced").toFloats());
        assertEquals(HostTensor.DType.F16, t.get("sliced").dtype());
        assertArrayEquals(new float[] {1.5f, -2f}, t.get("param").toFloats());
    }

    @Test
    void osSystemIsRefusedAndNeverRuns() throws IOException {
        Path marker = tmp.resolve("pwned");
        Pickle p = new Pickle().proto(2).global("posix", "system").str("touch " + marker).tuple1().reduce().stop();
        Path file = zip(Map.of("evil/data.pkl", p.bytes()));
        assertRefused(file, file.toString(), "posix.system");
        assertFalse(Files.exists(marker));
    }

    @Test
    void stackGlobalEvalInsideStateDictIsRefused() throws IOException {
        // Protocol 4 STACK_GLOBAL hidden as a dict value.
        Pickle p = new Pickle().proto(4).emptyDict().str("w").shortStr("builtins").shortStr("eval").stackGlobal()
                .str("__import__('os').system('true')").tuple1().reduce().setItem().stop();
        assertRefused(zip(p.bytes()), "builtins.eval");
    }

    @Test
    void instOpcodeIsRefused() throws IOException {
        byte[] pkl = new Pickle().proto(2).mark().str("id").raw("ios\nsystem\n".getBytes(StandardCharsets.US_ASCII)).stop().bytes();
        assertRefused(zip(pkl), "refused");
    }

    @Test
    void unknownStorageDtypeIsNamed() throws IOException {
        Pickle p = new Pickle().proto(2).emptyDict().str("w")
                .tensor("ShortStorage", "0", 2, 0, new int[] {2}, new int[] {1}).setItem().stop();
        Path file = zip(Map.of("archive/data.pkl", p.bytes(), "archive/data/0", new byte[4]));
        assertRefused(file, "unknown dtype", "ShortStorage");
    }

    @Test
    void missingOrShortStorageIsReported() throws IOException {
        Pickle p = new Pickle().proto(2).emptyDict().str("w")
                .tensor("FloatStorage", "0", 4, 0, new int[] {4}, new int[] {1}).setItem().stop();
        Path missing = zip(p.bytes());
        assertRefused(missing, "storage '0' is missing");
        Path shortFile = zip(Map.of("archive/data.pkl", p.bytes(), "archive/data/0", new byte[8]));
        assertRefused(shortFile, "truncated");
    }

    @Test
    void viewPastItsStorageIsReported() throws IOException {
        Pickle p = new Pickle().proto(2).emptyDict().str("w")
                .tensor("FloatStorage", "0", 2, 1, new int[] {2}, new int[] {1}).setItem().stop();
        Path file = zip(Map.of("archive/data.pkl", p.bytes(), "archive/data/0", new byte[8]));
        assertRefused(file, "reaches past its storage");
    }

    @Test
    void legacyAndNonZipFilesAreRefused() throws IOException {
        Path legacy = tmp.resolve("legacy.bin");
        Files.write(legacy, new Pickle().proto(2).emptyDict().stop().bytes());
        assertRefused(legacy, "legacy");
        Path text = tmp.resolve("text.bin");
        Files.writeString(text, "hello world");
        assertRefused(text, "not a torch.save zip");
    }

    /**
     * 2^depth leaves through shared references as a dict key. 28 deep is shallow enough to pass the
     * depth limit: only the key check stands between it and a hash that would never finish; 60 deep,
     * the depth limit stops it first.
     */
    @ParameterizedTest(name = "{0} deep: {1}")
    @CsvSource({"28, as a dict key", "60, nests containers 33 deep"})
    @Timeout(10)
    void billionLaughsAsDictKeyIsRefused(int depth, String expected) throws IOException {
        Pickle p = new Pickle().proto(2).emptyDict();
        laughs(p, depth).str("v").setItem().stop();
        assertRefused(zip(p.bytes()), expected);
    }

    @Test
    @Timeout(10)
    void billionLaughsAsRebuildTensorArgumentsIsDescribedShallowly() throws IOException {
        Pickle p = new Pickle().proto(2).emptyDict().str("w").global("torch._utils", "_rebuild_tensor_v2").mark();
        p.mark().str("storage").global("torch", "FloatStorage").str("0").str("cpu").integer(2).tuple().op('Q');
        p.integer(0);
        laughs(p, 28);
        laughs(p, 28).tuple().reduce().setItem().stop();
        Path file = zip(Map.of("archive/data.pkl", p.bytes(), "archive/data/0", new byte[8]));
        assertRefused(file, "calls _rebuild_tensor with (a Storage, 0, a ArrayList of 2, a ArrayList of 2)");
    }

    @Test
    @Timeout(20)
    void millionNestedListsAreRefusedWithoutStackOverflow() throws IOException {
        int n = 1_000_000;
        Pickle p = new Pickle().proto(2).emptyDict();
        p.raw("]".repeat(n).getBytes(StandardCharsets.US_ASCII)).raw("a".repeat(n - 1).getBytes(StandardCharsets.US_ASCII));
        p.str("v").setItem().stop();
        // 2 MB of pickle: with 64 (empty) storages in the archive it is within the byte budget, so the depth limit must stop it.
        Map<String, byte[]> entries = new HashMap<>(Map.of("archive/data.pkl", p.bytes()));
        for (int i = 0; i < 64; i++) {
            entries.put("archive/data/" + i, new byte[0]);
        }
        assertRefused(zip(entries), "nests containers 33 deep");
    }

    @Test
    void hugeStringLengthIsRefusedBeforeAllocating() throws IOException {
        Pickle p = new Pickle().proto(2).emptyDict().op('X').raw(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f}).raw(new byte[16]);
        assertRefused(zip(p.bytes()), "declares a string or bytes of 2147483647 bytes, but only 16 remain");
    }

    @Test
    void storageBombIsRefusedByItsDeclaredSize() throws IOException {
        Path file = zip(Map.of("archive/data.pkl", twoFloats().bytes(), "archive/data/0", new byte[64 << 20]));
        assertRefused(file, "archive/data/0 declares 67108864 bytes inflated, expected at most 8");
    }

    @Test
    void storageBombUnderstatingItsSizeIsStoppedWhileInflating() throws IOException {
        Path file = zip(Map.of("archive/data.pkl", twoFloats().bytes(), "archive/data/0", new byte[64 << 20]));
        understateSize(file, "archive/data/0", 8);
        assertRefused(file, "archive/data/0 inflates past 8 bytes");
    }

    @Test
    void oversizedPickleIsRefusedBeforeUnpickling() throws IOException {
        byte[] pkl = new byte[(int) TorchPickle.pickleLimit(0) + 1];
        assertRefused(zip(pkl), "data.pkl declares");
    }

    @Test
    void strideThatOverflowsIsRefusedNotWrapped() throws IOException {
        // (4, 2) with strides (2^62, 1): row i starts at i * 2^62 elements, i * 2^64 bytes, which wraps to row 0.
        Pickle p = new Pickle().proto(2).emptyDict().str("w")
                .tensor("FloatStorage", "0", 8, 0, new long[] {4, 2}, new long[] {1L << 62, 1}).setItem().stop();
        Path file = zip(Map.of("archive/data.pkl", p.bytes(), "archive/data/0", new byte[32]));
        assertRefused(file, "overflows a 64-bit element index");
    }

    @Test
    void storageNumelThatOverflowsIsRefused() throws IOException {
        Pickle p = new Pickle().proto(2).emptyDict().str("w")
                .tensor("FloatStorage", "0", 1L << 62, 0, new long[] {2}, new long[] {1}).setItem().stop();
        Path file = zip(Map.of("archive/data.pkl", p.bytes(), "archive/data/0", new byte[8]));
        assertRefused(file, "declares storage '0' of 4611686018427387904 elements");
    }

    @Test
    void broadcastViewLargerThanItsStorageIsRefused() throws IOException {
        Pickle p = new Pickle().proto(2).emptyDict().str("w")
                .tensor("FloatStorage", "0", 2, 0, new long[] {1 << 20, 1 << 10}, new long[] {0, 0}).setItem().stop();
        Path file = zip(Map.of("archive/data.pkl", p.bytes(), "archive/data/0", new byte[8]));
        assertRefused(file, "reaches past its storage");
    }

    /** Lists nested {@code depth} deep, each holding its predecessor twice: 2^depth leaves in a few bytes per level. */
    private static Pickle laughs(Pickle p, int depth) {
        p.op(']').op('q').op(0);
        for (int i = 1; i <= depth; i++) {
            p.op('0').op(']').mark().op('h').op(i - 1).op('h').op(i - 1).op('e').op('q').op(i);
        }
        return p;
    }

    private static Pickle twoFloats() {
        return new Pickle().proto(2).emptyDict().str("w").tensor("FloatStorage", "0", 2, 0, new int[] {2}, new int[] {1}).setItem().stop();
    }

    /** Rewrites an entry's uncompressed size in the zip's central directory, as a hostile writer would. */
    private static void understateSize(Path file, String name, int size) throws IOException {
        byte[] zip = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        byte[] wanted = name.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i + 46 < zip.length; i++) {
            if (b.getInt(i) == 0x02014b50 && b.getShort(i + 28) == wanted.length
                    && Arrays.equals(Arrays.copyOfRange(zip, i + 46, i + 46 + wanted.length), wanted)) {
                b.putInt(i + 24, size);
                Files.write(file, zip);
                return;
            }
        }
        throw new AssertionError("no central directory entry for " + name);
    }

    static void assertTensorEquals(HostTensor expected, HostTensor actual, String name) {
        assertEquals(expected.dtype(), actual.dtype(), name);
        assertArrayEquals(expected.shape(), actual.shape(), name);
        assertEquals(expected.data().duplicate(), actual.data().duplicate(), name + " bytes differ");
    }

    private static byte[] shorts(short[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short v : values) {
            b.putShort(v);
        }
        return b.array();
    }

    /** Reading {@code file} fails with a CheckpointException whose message holds each of {@code expected}. */
    private static void assertRefused(Path file, String... expected) {
        String message = assertThrows(CheckpointException.class, () -> TorchPickle.read(file)).getMessage();
        for (String part : expected) {
            assertTrue(message.contains(part), message);
        }
    }

    /** A torch.save zip holding only {@code pkl} as its archive/data.pkl. */
    private Path zip(byte[] pkl) throws IOException {
        return zip(Map.of("archive/data.pkl", pkl));
    }

    private Path zip(Map<String, byte[]> entries) throws IOException {
        Path file = Files.createTempFile(tmp, "model", ".bin");
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : new LinkedHashMap<>(entries).entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return file;
    }
}

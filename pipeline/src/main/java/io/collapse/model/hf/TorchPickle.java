package io.collapse.model.hf;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads a {@code pytorch_model.bin} written by {@code torch.save} in the zip format (torch ≥ 1.6):
 * {@code <prefix>/data.pkl} pickles the state dict, and each tensor's storage lies raw in
 * {@code <prefix>/data/<key>}. A pickle can name any Python callable; this reader resolves only
 * the globals a state dict needs and refuses every other one before anything is built, so a
 * malicious file yields an exception and no effect.
 *
 * <p>Work and memory are bounded too. data.pkl may be at most {@link #pickleLimit} bytes, and every
 * opcode, memo entry and container item costs at least one byte of it, so that one cap bounds
 * their counts; a length-prefixed string or bytes is refused when it claims more bytes than remain.
 * Shared references (a "billion laughs") stay cheap because nothing walks a container: dict keys
 * must be strings or numbers (so no container is ever hashed), sets are refused, containers nest
 * at most {@link StateDictUnpickler#MAX_DEPTH} deep, and error messages describe values shallowly.
 * Zip entries are inflated only up to the size they must have, and views and shapes use
 * overflow-checked arithmetic. This class reads the archive; {@link StateDictUnpickler} the pickle,
 * {@link TensorRef} each tensor's view into its storage.
 */
public final class TorchPickle {

    private TorchPickle() {}

    /**
     * data.pkl's byte budget: a tensor's entry (name, storage id, shape, stride, hooks) takes
     * about 200 bytes and its module's {@code _metadata} about 50, so this is generous for every
     * storage in the archive plus a fixed allowance for tensors that share storages.
     */
    static long pickleLimit(int storages) {
        return (1L << 20) + (16L << 10) * storages;
    }

    /** The largest storage a Java byte array holds; bigger checkpoints must be safetensors (memory-mapped). */
    static final long MAX_STORAGE_BYTES = Integer.MAX_VALUE - 8;

    /** Every tensor of the state dict, in the pickle's order, each contiguous and little-endian. */
    public static Map<String, HostTensor> read(Path file) throws IOException {
        byte[] magic = new byte[4];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(magic, 0, 4) < 4) {
                throw new CheckpointException(file, "truncated: fewer than 4 bytes");
            }
        }
        if ((magic[0] & 0xff) == 0x80) {
            throw new CheckpointException(file, "legacy (pre-1.6, non-zip) torch.save format is not supported;"
                    + " re-save it with torch >= 1.6 or convert it to model.safetensors");
        }
        if (magic[0] != 'P' || magic[1] != 'K') {
            throw new CheckpointException(file, "not a torch.save zip archive (no zip signature)");
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String prefix = pickleDir(file, zip);
            ZipEntry order = zip.getEntry(prefix + "byteorder");
            if (order != null) {
                String byteOrder = new String(readEntry(file, zip, order, 16), StandardCharsets.US_ASCII).trim();
                if (!byteOrder.equals("little")) {
                    throw new CheckpointException(file, "storages are stored '" + byteOrder + "'-endian; only little-endian is supported");
                }
            }
            long storages = zip.stream().filter(e -> e.getName().startsWith(prefix + "data/")).count();
            byte[] pkl = readEntry(file, zip, zip.getEntry(prefix + "data.pkl"), pickleLimit(Math.toIntExact(storages)));
            Object root;
            try {
                root = new StateDictUnpickler(file, zip, prefix).load(new ByteArrayInputStream(pkl));
            } catch (StateDictUnpickler.RefusedPickle e) {
                throw e.problem;
            } catch (RuntimeException e) {
                // Pyrolite signals malformed input with PickleException and assorted other unchecked ones (an empty stack, a bad cast).
                // Some of its messages end in a line break (found by HostileInputsFuzzTest): one line for the user.
                throw new CheckpointException(file, "data.pkl is not a pickled state dict: "
                        + String.valueOf(e.getMessage()).strip().replaceAll("\\s*\\R\\s*", " "));
            } catch (CheckpointException e) {
                throw e;
            } catch (IOException e) {
                throw new CheckpointException(file, "data.pkl cannot be unpickled: " + e.getMessage());
            }
            if (!(root instanceof Map<?, ?> dict)) {
                throw new CheckpointException(file, "data.pkl holds a " + typeName(root) + ", expected a dict of tensors");
            }
            Map<String, HostTensor> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : dict.entrySet()) {
                if (!(e.getKey() instanceof String name) || !(e.getValue() instanceof TensorRef ref)) {
                    throw new CheckpointException(file, "state dict entry " + describe(e.getKey()) + " is a " + typeName(e.getValue())
                            + ", expected a tensor under a string name");
                }
                out.put(name, ref.materialize(file, name));
            }
            return out;
        } catch (ZipException e) {
            throw new CheckpointException(file, "corrupt zip archive: " + e.getMessage());
        }
    }

    /** The folder holding data.pkl: torch names it after the file, but any name is valid. */
    private static String pickleDir(Path file, ZipFile zip) throws CheckpointException {
        List<String> found = new ArrayList<>();
        zip.stream().map(ZipEntry::getName).filter(n -> n.endsWith("/data.pkl") || n.equals("data.pkl")).forEach(found::add);
        if (found.size() != 1) {
            throw new CheckpointException(file, "expected exactly one data.pkl in the archive, found " + found);
        }
        String pkl = found.get(0);
        return pkl.substring(0, pkl.length() - "data.pkl".length());
    }

    /**
     * An entry's bytes, at most {@code limit}: the declared size is checked before inflating, and
     * the actual one while streaming, since a zip's directory can understate what an entry inflates to.
     */
    static byte[] readEntry(Path file, ZipFile zip, ZipEntry entry, long limit) throws IOException {
        if (entry.getSize() > limit) {
            throw new CheckpointException(file, "zip entry " + entry.getName() + " declares " + entry.getSize()
                    + " bytes inflated, expected at most " + limit);
        }
        try (InputStream in = zip.getInputStream(entry)) {
            byte[] bytes = in.readNBytes((int) Math.min(limit, MAX_STORAGE_BYTES));
            if (in.read() != -1) {
                throw new CheckpointException(file, "zip entry " + entry.getName() + " inflates past " + limit
                        + " bytes, the most it may hold (declared " + entry.getSize() + "; a zip bomb?)");
            }
            return bytes;
        }
    }

    static String typeName(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }

    /** A value for a message: scalars as themselves (strings cut short), containers by type and size only, never walked. */
    static String describe(Object o) {
        if (o instanceof String s) {
            return "'" + (s.length() > 80 ? s.substring(0, 80) + "…" : s) + "'";
        }
        if (o instanceof Number || o instanceof Boolean) {
            return o.toString();
        }
        if (o instanceof Object[] a) {
            return "a tuple of " + a.length;
        }
        if (o instanceof Collection<?> c) {
            return "a " + typeName(o) + " of " + c.size();
        }
        if (o instanceof Map<?, ?> m) {
            return "a dict of " + m.size();
        }
        return "a " + typeName(o);
    }

}

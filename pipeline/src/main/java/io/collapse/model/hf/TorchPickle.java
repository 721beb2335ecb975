package io.collapse.model.hf;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

/**
 * Reads a {@code pytorch_model.bin} written by {@code torch.save} in the zip format (torch ≥ 1.6):
 * {@code <prefix>/data.pkl} pickles the state dict, and each tensor's storage lies raw in
 * {@code <prefix>/data/<key>}. A pickle can name any Python callable; this reader resolves only
 * the globals a state dict needs and refuses every other one before anything is built, so a
 * malicious file yields an exception and no effect.
 */
public final class TorchPickle {

    private TorchPickle() {}

    /** Storage classes torch pickles by name, mapped to the dtype of their elements. */
    private static final Map<String, HostTensor.DType> STORAGES = Map.of(
            "FloatStorage", HostTensor.DType.F32,
            "HalfStorage", HostTensor.DType.F16,
            "BFloat16Storage", HostTensor.DType.BF16,
            "DoubleStorage", HostTensor.DType.F64,
            "LongStorage", HostTensor.DType.I64,
            "IntStorage", HostTensor.DType.I32,
            "CharStorage", HostTensor.DType.I8,
            "ByteStorage", HostTensor.DType.U8,
            "BoolStorage", HostTensor.DType.BOOL);

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
                String byteOrder = new String(readEntry(zip, order), StandardCharsets.US_ASCII).trim();
                if (!byteOrder.equals("little")) {
                    throw new CheckpointException(file, "storages are stored '" + byteOrder + "'-endian; only little-endian is supported");
                }
            }
            Object root;
            try (InputStream pkl = zip.getInputStream(zip.getEntry(prefix + "data.pkl"))) {
                root = new StateDictUnpickler(file, zip, prefix).load(pkl);
            } catch (PickleException | ClassCastException | IndexOutOfBoundsException e) {
                throw new CheckpointException(file, "data.pkl is not a pickled state dict: " + e.getMessage());
            } catch (RefusedPickle e) {
                throw e.problem;
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
                    throw new CheckpointException(file, "state dict entry '" + e.getKey() + "' is a " + typeName(e.getValue())
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

    private static byte[] readEntry(ZipFile zip, ZipEntry entry) throws IOException {
        try (InputStream in = zip.getInputStream(entry)) {
            return in.readAllBytes();
        }
    }

    private static String typeName(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }

    /** A storage class as the pickle names it ({@code torch.FloatStorage}). */
    private record StorageType(String name, HostTensor.DType dtype) {}

    /** One storage's raw bytes. */
    private record Storage(String key, HostTensor.DType dtype, ByteBuffer bytes) {}

    /** A tensor as {@code _rebuild_tensor_v2} describes it: a view into a storage. */
    private record TensorRef(Storage storage, long offset, long[] shape, long[] stride) {

        /** Copies the view out contiguously, checking it lies inside its storage. */
        HostTensor materialize(Path file, String name) throws CheckpointException {
            int esize = storage.dtype.bytes;
            long storageNumel = storage.bytes.remaining() / esize;
            long numel = HostTensor.numel(shape);
            long last = offset;
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] < 0 || stride[i] < 0) {
                    throw new CheckpointException(file, "tensor '" + name + "' has a negative size or stride");
                }
                last += shape[i] == 0 ? 0 : (shape[i] - 1) * stride[i];
            }
            if (numel > 0 && (offset < 0 || last >= storageNumel)) {
                throw new CheckpointException(file, "tensor '" + name + "' " + Arrays.toString(shape) + " at offset " + offset
                        + " with strides " + Arrays.toString(stride) + " reaches past its storage '" + storage.key
                        + "' of " + storageNumel + " elements");
            }
            ByteBuffer src = storage.bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            if (isContiguous()) {
                ByteBuffer view = src.position(Math.toIntExact(offset * esize)).slice();
                return new HostTensor(storage.dtype, shape, view.limit(Math.toIntExact(numel * esize)));
            }
            // A strided view (a transposed or sliced tensor saved as such): gather element by element.
            ByteBuffer dst = ByteBuffer.allocate(Math.toIntExact(numel * esize)).order(ByteOrder.LITTLE_ENDIAN);
            long[] index = new long[shape.length];
            byte[] element = new byte[esize];
            for (long n = 0; n < numel; n++) {
                long at = offset;
                for (int d = 0; d < shape.length; d++) {
                    at += index[d] * stride[d];
                }
                src.get(Math.toIntExact(at * esize), element);
                dst.put(element);
                for (int d = shape.length - 1; d >= 0 && ++index[d] == shape[d]; d--) {
                    index[d] = 0;
                }
            }
            return new HostTensor(storage.dtype, shape, dst.flip());
        }

        private boolean isContiguous() {
            long expected = 1;
            for (int d = shape.length - 1; d >= 0; d--) {
                if (shape[d] != 1 && stride[d] != expected) {
                    return false;
                }
                expected *= shape[d];
            }
            return true;
        }
    }

    /** Carries a refusal through Pyrolite's unchecked exception path. */
    private static final class RefusedPickle extends RuntimeException {
        final CheckpointException problem;

        RefusedPickle(CheckpointException problem) {
            super(problem.getMessage());
            this.problem = problem;
        }
    }

    /**
     * Pyrolite's unpickler with the global lookup replaced by an allow-list, dicts that keep their
     * insertion order, and torch's persistent ids resolved to storages in the zip.
     */
    private static final class StateDictUnpickler extends Unpickler {
        private final Path file;
        private final ZipFile zip;
        private final String prefix;
        private final Map<String, Storage> storages = new HashMap<>();

        StateDictUnpickler(Path file, ZipFile zip, String prefix) {
            this.file = file;
            this.zip = zip;
            this.prefix = prefix;
        }

        @Override
        protected Object dispatch(short key) throws IOException {
            switch (key) {
                case Opcodes.GLOBAL -> {
                    String module = PickleUtils.readline(input);
                    String name = PickleUtils.readline(input);
                    stack.add(resolveGlobal(module, name));
                }
                case Opcodes.STACK_GLOBAL -> {
                    Object name = stack.pop();
                    Object module = stack.pop();
                    stack.add(resolveGlobal(String.valueOf(module), String.valueOf(name)));
                }
                case Opcodes.INST, Opcodes.OBJ, Opcodes.EXT1, Opcodes.EXT2, Opcodes.EXT4 ->
                        throw refuse("uses opcode 0x" + Integer.toHexString(key) + ", which a state dict never needs");
                case Opcodes.EMPTY_DICT -> stack.add(new LinkedHashMap<>());
                case Opcodes.SETITEM -> {
                    Object value = stack.pop();
                    Object k = stack.pop();
                    asMap(stack.peek()).put(k, value);
                }
                case Opcodes.SETITEMS -> {
                    List<Object> items = stack.pop_all_since_marker();
                    Map<Object, Object> target = asMap(stack.peek());
                    for (int i = 0; i + 1 < items.size(); i += 2) {
                        target.put(items.get(i), items.get(i + 1));
                    }
                }
                case Opcodes.BUILD -> {
                    // OrderedDict.__setstate__ from state_dict(): the `_metadata` attribute
                    // (per-module version numbers), which no tensor depends on.
                    stack.pop();
                    if (!(stack.peek() instanceof Map)) {
                        throw refuse("sets the state of a " + typeName(stack.peek()) + "; only a dict's state may be set");
                    }
                }
                default -> {
                    return super.dispatch(key);
                }
            }
            return NO_RETURN_VALUE;
        }

        @SuppressWarnings("unchecked")
        private Map<Object, Object> asMap(Object o) {
            if (!(o instanceof Map)) {
                throw refuse("sets items on a " + typeName(o) + ", expected a dict");
            }
            return (Map<Object, Object>) o;
        }

        private RefusedPickle refuse(String problem) {
            return new RefusedPickle(new CheckpointException(file, "refused: data.pkl " + problem));
        }

        /** The allow-list: anything else is refused by name, so nothing it names can run. */
        private Object resolveGlobal(String module, String name) {
            String global = module + "." + name;
            switch (global) {
                case "collections.OrderedDict":
                    return (IObjectConstructor) args -> new LinkedHashMap<>();
                case "torch._utils._rebuild_tensor_v2":
                case "torch._utils._rebuild_tensor":
                    return (IObjectConstructor) this::rebuildTensor;
                case "torch._utils._rebuild_parameter":
                    return (IObjectConstructor) args -> {
                        if (args.length < 1 || !(args[0] instanceof TensorRef)) {
                            throw refuse("calls _rebuild_parameter without a tensor");
                        }
                        return args[0];
                    };
                default:
                    if (module.equals("torch") && STORAGES.containsKey(name)) {
                        return new StorageType(name, STORAGES.get(name));
                    }
                    if (module.equals("torch") && name.endsWith("Storage")) {
                        throw new RefusedPickle(new CheckpointException(file, "unknown dtype: storage class torch." + name
                                + " is not one of " + new java.util.TreeSet<>(STORAGES.keySet())));
                    }
                    throw refuse("references the global '" + global + "', which is not allowed in a state dict"
                            + " (allowed: collections.OrderedDict, torch._utils._rebuild_tensor_v2/_rebuild_parameter, torch.*Storage)");
            }
        }

        /** (storage, storage_offset, size, stride[, requires_grad, backward_hooks[, metadata]]). */
        private Object rebuildTensor(Object[] args) {
            if (args.length < 4 || !(args[0] instanceof Storage storage) || !(args[2] instanceof Object[] size)
                    || !(args[3] instanceof Object[] stride) || size.length != stride.length) {
                throw refuse("calls _rebuild_tensor with arguments " + Arrays.deepToString(args)
                        + ", expected (storage, offset, size, stride, ...)");
            }
            return new TensorRef(storage, toLong(args[1]), toLongs(size), toLongs(stride));
        }

        private long toLong(Object o) {
            if (!(o instanceof Number n)) {
                throw refuse("has a tensor size, stride or offset '" + o + "' that is not an integer");
            }
            return n.longValue();
        }

        private long[] toLongs(Object[] values) {
            long[] out = new long[values.length];
            for (int i = 0; i < values.length; i++) {
                out[i] = toLong(values[i]);
            }
            return out;
        }

        /** torch's persistent id: ('storage', storage_type, key, location, numel). */
        @Override
        protected Object persistentLoad(Object pid) {
            if (!(pid instanceof Object[] t) || t.length != 5 || !"storage".equals(t[0]) || !(t[1] instanceof StorageType type)) {
                throw refuse("has a persistent id " + (pid instanceof Object[] a ? Arrays.deepToString(a) : String.valueOf(pid))
                        + ", expected ('storage', torch.<Type>Storage, key, location, numel)");
            }
            String key = String.valueOf(t[2]);
            long numel = toLong(t[4]);
            Storage cached = storages.get(key);
            if (cached != null) {
                return cached;
            }
            ZipEntry entry = zip.getEntry(prefix + "data/" + key);
            if (entry == null) {
                throw new RefusedPickle(new CheckpointException(file, "storage '" + key + "' is missing: no entry " + prefix + "data/" + key));
            }
            byte[] bytes;
            try {
                bytes = readEntry(zip, entry);
            } catch (IOException e) {
                throw new RefusedPickle(new CheckpointException(file, "cannot read storage '" + key + "': " + e.getMessage()));
            }
            if (bytes.length != numel * type.dtype.bytes) {
                throw new RefusedPickle(new CheckpointException(file, "storage '" + key + "' has " + bytes.length + " bytes, but "
                        + numel + " elements of torch." + type.name + " need " + numel * type.dtype.bytes + " (truncated file?)"));
            }
            Storage storage = new Storage(key, type.dtype, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
            storages.put(key, storage);
            return storage;
        }
    }
}

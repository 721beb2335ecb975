package io.collapse.model.hf;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

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
 * at most {@link #MAX_DEPTH} deep, and error messages describe values shallowly. Zip entries are
 * inflated only up to the size they must have, and views and shapes use overflow-checked arithmetic.
 */
public final class TorchPickle {

    private TorchPickle() {}

    /** A state dict nests four deep (dict → args tuple → shape tuple → int); anything far deeper is hostile. */
    static final int MAX_DEPTH = 32;

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
            } catch (RefusedPickle e) {
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
    private static byte[] readEntry(Path file, ZipFile zip, ZipEntry entry, long limit) throws IOException {
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

    private static String typeName(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }

    /** A value for a message: scalars as themselves (strings cut short), containers by type and size only, never walked. */
    private static String describe(Object o) {
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
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] < 0 || stride[i] < 0) {
                    throw new CheckpointException(file, "tensor '" + name + "' has a negative size or stride");
                }
            }
            long numel;
            long last;
            try {
                numel = HostTensor.numel(shape);
                last = lastElement();
            } catch (ArithmeticException e) {
                throw new CheckpointException(file, "tensor '" + name + "' " + Arrays.toString(shape) + " at offset " + offset
                        + " with strides " + Arrays.toString(stride) + " overflows a 64-bit element index");
            }
            // numel ≤ storage size: a parameter never reads an element twice more than its storage holds,
            // and it bounds the gather below by the bytes actually in the archive.
            if (numel > 0 && (offset < 0 || last >= storageNumel || numel > storageNumel)) {
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
            // Every index below is at most `last`, which was computed without overflow.
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

        /** The highest element index the view reads (sizes and strides are non-negative). */
        private long lastElement() {
            long last = offset;
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] > 0) {
                    last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, stride[i]));
                }
            }
            return last;
        }

        private boolean isContiguous() {
            long expected = 1;
            for (int d = shape.length - 1; d >= 0; d--) {
                if (shape[d] != 1 && stride[d] != expected) {
                    return false;
                }
                expected = Math.multiplyExact(expected, shape[d]);
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
        /** Nesting depth of every container built so far, by identity (containers hash by content). */
        private final Map<Object, Integer> depth = new IdentityHashMap<>();

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
                // A set hashes its elements, and a state dict has none.
                case Opcodes.EMPTY_SET, Opcodes.ADDITEMS, Opcodes.FROZENSET ->
                        throw refuse("builds a set (opcode 0x" + Integer.toHexString(key) + "), which a state dict never has");
                case Opcodes.BINSTRING, Opcodes.BINBYTES, Opcodes.BINUNICODE, Opcodes.LONG4 -> {
                    checkLength(4);
                    return super.dispatch(key);
                }
                case Opcodes.BINBYTES8, Opcodes.BINUNICODE8, Opcodes.BYTEARRAY8 -> {
                    checkLength(8);
                    return super.dispatch(key);
                }
                case Opcodes.EMPTY_DICT -> stack.add(new LinkedHashMap<>());
                case Opcodes.DICT -> {
                    List<Object> items = stack.pop_all_since_marker();
                    Map<Object, Object> dict = new LinkedHashMap<>();
                    putAll(dict, items);
                    stack.add(dict);
                }
                case Opcodes.SETITEM -> {
                    Object value = stack.pop();
                    Object k = stack.pop();
                    putAll(asMap(stack.peek()), Arrays.asList(k, value));
                }
                case Opcodes.SETITEMS -> {
                    List<Object> items = stack.pop_all_since_marker();
                    putAll(asMap(stack.peek()), items);
                }
                case Opcodes.APPEND -> {
                    Object item = stack.pop();
                    addAll(stack.peek(), Arrays.asList(item));
                }
                // Pyrolite's APPENDS trims the list each time, quadratic over many small batches.
                case Opcodes.APPENDS -> {
                    List<Object> items = stack.pop_all_since_marker();
                    addAll(stack.peek(), items);
                }
                case Opcodes.LIST, Opcodes.TUPLE, Opcodes.TUPLE1, Opcodes.TUPLE2, Opcodes.TUPLE3 -> {
                    super.dispatch(key);
                    Object made = stack.peek();
                    nest(made, made instanceof Object[] a ? Arrays.asList(a) : (List<?>) made);
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

        /** Refuses a length prefix (of {@code width} bytes, little-endian) that claims more bytes than remain. */
        private void checkLength(int width) throws IOException {
            input.mark(width);
            byte[] prefix = input.readNBytes(width);
            input.reset();
            if (prefix.length < width) {
                throw refuse("ends inside a length prefix");
            }
            long length = width == 4 ? PickleUtils.bytes_to_integer(prefix) : PickleUtils.bytes_to_long(prefix, 0);
            if (length < 0 || length > input.available() - width) {
                throw refuse("declares a string or bytes of " + length + " bytes, but only " + Math.max(0, input.available() - width)
                        + " remain in data.pkl");
            }
        }

        /** Puts key/value pairs; keys must be scalars, so no container is ever hashed (a billion-laughs key would not finish). */
        private void putAll(Map<Object, Object> dict, List<Object> items) {
            if (items.size() % 2 != 0) {
                throw refuse("sets " + items.size() + " items on a dict, expected key/value pairs");
            }
            for (int i = 0; i < items.size(); i += 2) {
                dict.put(key(items.get(i)), items.get(i + 1));
            }
            nest(dict, items);
        }

        private Object key(Object k) {
            if (!(k == null || k instanceof String || k instanceof Number || k instanceof Boolean)) {
                throw refuse("uses " + describe(k) + " as a dict key; a state dict's keys are strings");
            }
            return k;
        }

        private void addAll(Object target, List<Object> items) {
            if (!(target instanceof List)) {
                throw refuse("appends to a " + typeName(target) + ", expected a list");
            }
            @SuppressWarnings("unchecked")
            List<Object> list = (List<Object>) target;
            list.addAll(items);
            nest(list, items);
        }

        /** 0 for a scalar, 1 for a container not yet filled, else as recorded. */
        private int depthOf(Object o) {
            boolean container = o instanceof Collection || o instanceof Map || o instanceof Object[];
            return depth.getOrDefault(o, container ? 1 : 0);
        }

        /**
         * Records that {@code container} now holds {@code items}, refusing nesting past {@link #MAX_DEPTH}.
         * A container filled after it was itself nested can end deeper than recorded; that is harmless,
         * since the depth only guards against recursive walks and nothing here walks a container.
         */
        private void nest(Object container, List<?> items) {
            int d = depthOf(container);
            for (Object item : items) {
                d = Math.max(d, 1 + depthOf(item));
            }
            if (d > MAX_DEPTH) {
                throw refuse("nests containers " + d + " deep; a state dict needs a handful, at most " + MAX_DEPTH + " are read");
            }
            depth.put(container, d);
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
                throw refuse("calls _rebuild_tensor with (" + Arrays.stream(args).limit(8).map(TorchPickle::describe)
                        .collect(Collectors.joining(", ")) + (args.length > 8 ? ", …" : "") + "), expected (storage, offset, size tuple,"
                        + " stride tuple of the same length, ...)");
            }
            return new TensorRef(storage, toLong(args[1]), toLongs(size), toLongs(stride));
        }

        private long toLong(Object o) {
            if (!(o instanceof Number n)) {
                throw refuse("has a tensor size, stride or offset " + describe(o) + " that is not an integer");
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

        /** numel × element size, refused when negative, overflowing or past what a byte array holds. */
        private long storageBytes(String key, StorageType type, long numel) {
            long need = numel < 0 || numel > MAX_STORAGE_BYTES / type.dtype.bytes ? -1 : numel * type.dtype.bytes;
            if (need < 0) {
                throw refuse("declares storage '" + key + "' of " + numel + " elements of torch." + type.name
                        + ", expected 0 to " + MAX_STORAGE_BYTES / type.dtype.bytes + " (larger checkpoints: use model.safetensors)");
            }
            return need;
        }

        /** torch's persistent id: ('storage', storage_type, key, location, numel). */
        @Override
        protected Object persistentLoad(Object pid) {
            if (!(pid instanceof Object[] t) || t.length != 5 || !"storage".equals(t[0]) || !(t[1] instanceof StorageType type)) {
                throw refuse("has a persistent id " + (pid instanceof Object[] a ? Arrays.stream(a).limit(8)
                        .map(TorchPickle::describe).collect(Collectors.joining(", ", "(", ")")) : describe(pid))
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
            long need = storageBytes(key, type, numel);
            byte[] bytes;
            try {
                bytes = readEntry(file, zip, entry, need);
            } catch (CheckpointException e) {
                throw new RefusedPickle(e);
            } catch (IOException e) {
                throw new RefusedPickle(new CheckpointException(file, "cannot read storage '" + key + "': " + e.getMessage()));
            }
            if (bytes.length != need) {
                throw new RefusedPickle(new CheckpointException(file, "storage '" + key + "' has " + bytes.length + " bytes, but "
                        + numel + " elements of torch." + type.name + " need " + need + " (truncated file?)"));
            }
            Storage storage = new Storage(key, type.dtype, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
            storages.put(key, storage);
            return storage;
        }
    }
}

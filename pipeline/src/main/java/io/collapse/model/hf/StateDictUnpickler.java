package io.collapse.model.hf;

import static io.collapse.model.hf.TorchPickle.MAX_STORAGE_BYTES;
import static io.collapse.model.hf.TorchPickle.describe;
import static io.collapse.model.hf.TorchPickle.readEntry;
import static io.collapse.model.hf.TorchPickle.typeName;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

/**
 * The state-dict half of {@link TorchPickle}: Pyrolite's unpickler with the global lookup replaced
 * by an allow-list ({@code OrderedDict}, torch's {@code _rebuild_tensor_v2}/{@code _rebuild_parameter},
 * storage classes), dicts that keep their insertion order, an OrderedDict's {@code _metadata} state
 * dropped, and torch's persistent ids resolved to storages in the zip. Containers nest at most
 * {@link #MAX_DEPTH} deep; a refusal travels as {@link RefusedPickle}.
 */
final class StateDictUnpickler extends Unpickler {

    /** A state dict nests four deep (dict → args tuple → shape tuple → int); anything far deeper is hostile. */
    static final int MAX_DEPTH = 32;

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

    /** A storage class as the pickle names it ({@code torch.FloatStorage}). */
    private record StorageType(String name, HostTensor.DType dtype) {}

    /** Carries a refusal through Pyrolite's unchecked exception path. */
    static final class RefusedPickle extends RuntimeException {
        final CheckpointException problem;

        RefusedPickle(CheckpointException problem) {
            super(problem.getMessage());
            this.problem = problem;
        }
    }

    private final Path file;
    private final ZipFile zip;
    private final String prefix;
    private final Map<String, TensorRef.Storage> storages = new HashMap<>();
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
        if (args.length < 4 || !(args[0] instanceof TensorRef.Storage storage) || !(args[2] instanceof Object[] size)
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
        TensorRef.Storage cached = storages.get(key);
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
        TensorRef.Storage storage = new TensorRef.Storage(key, type.dtype, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
        storages.put(key, storage);
        return storage;
    }
}

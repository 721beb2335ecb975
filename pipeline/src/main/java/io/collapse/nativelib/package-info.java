/**
 * Bring your own libtorch: DJL 0.36's JNI ({@code libdjl_torch.so}) compiled from DJL's v0.36.0
 * sources against a libtorch found on the machine (a pip PyTorch's {@code torch/} folder or an
 * unpacked libtorch), because DJL's prebuilt JNI works only with the libtorch 2.7.1 it was built
 * for.
 *
 * <ul>
 *   <li>{@link io.collapse.nativelib.Libtorch}: what the folder holds (version, CUDA or not, C++ ABI).
 *   <li>{@link io.collapse.nativelib.JniBuild}: javac -h, one g++ per source file in parallel, link,
 *       install where DJL's LibUtils looks, and the variables to export.
 *   <li>{@link io.collapse.nativelib.JniRecord}: which JNI a process loaded, and whether we built it.
 * </ul>
 *
 * <p>Stands just right of config/ (its file helpers, AtomicFiles and Checksums); otherwise it
 * imports only DJL's utilities (cache dir, platform classifier) and Jackson.
 */
package io.collapse.nativelib;

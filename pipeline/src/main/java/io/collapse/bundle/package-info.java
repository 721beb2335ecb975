/**
 * The offline bundle ({@code collapse bundle --out DIR}): a jlink'ed Java 17 runtime, the project's
 * jars without the CPU libtorch, the test classes with JUnit's console launcher, the DJL JNI sources
 * for {@code native build}, and launchers, so that a machine with no Maven, no Java and no internet
 * runs collapse and its tests against its own libtorch.
 *
 * <ul>
 *   <li>{@link io.collapse.bundle.Bundle}: lays the folder out from a built checkout.
 *   <li>{@link io.collapse.bundle.NativeTrim}: copies a jar without other platforms' native libraries.
 * </ul>
 *
 * <p>Imports nothing of collapse, so it stands at the far left with {@code nativelib}.
 */
package io.collapse.bundle;

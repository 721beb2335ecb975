package io.collapse.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Makes a use of freed native memory visible: runs the garbage collector (whose cleaners free the
 * direct buffers nothing references any more), then allocates many small direct buffers filled
 * with NaN, which malloc places in the chunks just freed.
 */
public final class NativeMemoryPressure {

    private NativeMemoryPressure() {}

    /** @param keep receives the NaN buffers; hold it until the suspect computation is done */
    public static void collectAndPoison(List<ByteBuffer> keep) throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(30); // the cleaner thread frees the buffers after the collection
        }
        for (int size : new int[] {4, 8, 16, 32, 64, 128, 256}) {
            for (int i = 0; i < 2000; i++) {
                ByteBuffer b = ByteBuffer.allocateDirect(size).order(ByteOrder.nativeOrder());
                while (b.remaining() >= 4) {
                    b.putFloat(Float.NaN);
                }
                keep.add(b);
            }
        }
    }
}

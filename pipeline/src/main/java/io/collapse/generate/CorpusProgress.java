package io.collapse.generate;

/**
 * Told as a synthetic corpus is written: blocks done so far (of all) after every batch, and every
 * shard committed. The caller draws it (cli/ with a console bar); generate/ draws nothing. Closed
 * by whoever made it, when the writing ends or fails.
 */
@FunctionalInterface
public interface CorpusProgress extends AutoCloseable {

    void blocksDone(int done, int total);

    default void shardWritten(int shard, int shards) {}

    @Override
    default void close() {}

    CorpusProgress NONE = (done, total) -> {};
}

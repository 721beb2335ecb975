package io.collapse.generate;

/**
 * Told as a synthetic corpus is written: blocks done so far (of all) after every batch, every
 * shard committed, and a damaged shard found on resume. The caller draws it (cli/ with a console
 * bar) and says what it must (pipeline/ logs the damage); generate/ prints nothing. Closed by
 * whoever made it, when the writing ends or fails.
 */
@FunctionalInterface
public interface CorpusProgress extends AutoCloseable {

    void blocksDone(int done, int total);

    default void shardWritten(int shard, int shards) {}

    /** A resumed corpus's shard failed its check: it and every later shard are written again. */
    default void rewritingFrom(int shard, String why) {}

    @Override
    default void close() {}

    CorpusProgress NONE = (done, total) -> {};
}

package io.collapse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationConfig;
import io.collapse.config.ConfigLoader;
import io.collapse.config.Gpt2Config;
import io.collapse.config.GptNeoXConfig;
import io.collapse.config.LlamaConfig;
import io.collapse.config.OptConfig;
import io.collapse.config.RunConfig;
import io.collapse.data.DatasetManifest;
import io.collapse.generate.CorpusManifest;
import io.collapse.pipeline.GenerationRecord;
import io.collapse.pipeline.RunManifest;
import io.collapse.pipeline.RunState;
import io.collapse.train.TrainState;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every record that reaches a JSON file the pipeline reads or writes names its keys one way,
 * {@code @JsonNaming(SnakeCaseStrategy)}, directly or through {@code @HfConfigJson}: a nested record added without it would write camelCase
 * keys that no reader expects.
 */
class JsonRecordsTest {

    /** The records at the top of each JSON file: configs, config.json, run and generation files, manifests, training state. */
    private static final List<Class<?>> FILES = List.of(RunConfig.class, OptConfig.class, Gpt2Config.class,
            LlamaConfig.class, GptNeoXConfig.class, RunManifest.class, RunState.class, GenerationRecord.class,
            CorpusManifest.class, TrainState.class, DatasetManifest.class);

    @Test
    void everyRecordInAJsonFileNamesItsKeysInSnakeCase() {
        Set<Class<?>> records = new LinkedHashSet<>();
        FILES.forEach(c -> collect(c, records));
        List<String> unnamed = new ArrayList<>();
        SerializationConfig jackson = ConfigLoader.JSON.getSerializationConfig();
        for (Class<?> r : records) {
            // Asked of Jackson, not of reflection, so a bundle such as @HfConfigJson counts as what it holds.
            Object naming = jackson.getAnnotationIntrospector()
                    .findNamingStrategy(jackson.introspectClassAnnotations(r).getClassInfo());
            if (naming != PropertyNamingStrategies.SnakeCaseStrategy.class) {
                unnamed.add(r.getName());
            }
        }
        assertEquals(List.of(), unnamed, "records without @JsonNaming(SnakeCaseStrategy) among " + records.size());
    }

    /** {@code type} and every record reachable through its components, lists, maps and arrays. */
    private static void collect(Type type, Set<Class<?>> records) {
        if (type instanceof ParameterizedType p) {
            for (Type arg : p.getActualTypeArguments()) {
                collect(arg, records);
            }
        } else if (type instanceof Class<?> c) {
            if (c.isArray()) {
                collect(c.getComponentType(), records);
            } else if (c.isRecord() && records.add(c)) {
                for (RecordComponent rc : c.getRecordComponents()) {
                    collect(rc.getGenericType(), records);
                }
            }
        }
    }
}

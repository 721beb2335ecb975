package io.collapse.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.collapse.config.OptConfig;
import io.collapse.model.opt.OptForCausalLM;
import java.io.IOException;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StateDictTest {

    @ParameterizedTest
    @ValueSource(strings = {HfFixture.CASE_A, HfFixture.CASE_B})
    void keysAreTheCheckpointKeys(String caseName) throws IOException {
        HfFixture fx = HfFixture.load(caseName);
        List<String> keys = StateDict.keys(new OptForCausalLM((OptConfig) fx.config()));
        assertEquals(keys.size(), new TreeSet<>(keys).size(), "keys are unique");
        assertEquals(new TreeSet<>(fx.weights().keySet()), new TreeSet<>(keys));
    }
}

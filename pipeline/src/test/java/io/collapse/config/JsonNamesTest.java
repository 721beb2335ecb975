package io.collapse.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The keys the config records write, in order: Jackson's snake case of the component names, HF's
 * own names where they differ (_remove_final_layer_norm, GPT-2's and NeoX's initializer_range,
 * valid_every_n_steps), and each written file reads back to the same record.
 */
class JsonNamesTest {

    @TempDir Path dir;

    /** Every key of {@code node}, depth first, nested ones as {@code outer.inner}. */
    private static String keys(JsonNode node) {
        List<String> out = new ArrayList<>();
        node.fields().forEachRemaining(e -> {
            out.add(e.getKey());
            if (e.getValue().isObject()) {
                for (String inner : keys(e.getValue()).split(", ")) {
                    out.add(e.getKey() + "." + inner);
                }
            }
        });
        return String.join(", ", out);
    }

    private void assertWritesAndReadsBack(String preset, String expectedKeys) throws IOException {
        LmConfig config = Presets.get(preset);
        String json = config.toJson("float32");
        assertEquals(expectedKeys + ", architectures, torch_dtype", keys(ConfigLoader.JSON.readTree(json)), preset);
        assertEquals(config, LmConfigFile.read(dir, json), preset);
    }

    @Test
    void everyFamilyWritesHfNamesAndReadsThemBack() throws IOException {
        assertWritesAndReadsBack("tiny", "vocab_size, hidden_size, num_hidden_layers, ffn_dim, num_attention_heads,"
                + " max_position_embeddings, do_layer_norm_before, word_embed_proj_dim, activation_function, enable_bias,"
                + " layer_norm_elementwise_affine, dropout, attention_dropout, _remove_final_layer_norm, pad_token_id,"
                + " bos_token_id, eos_token_id, init_std, tie_word_embeddings, model_type");
        assertWritesAndReadsBack("tiny-gpt2", "vocab_size, n_positions, n_embd, n_layer, n_head, n_inner, activation_function,"
                + " resid_pdrop, embd_pdrop, attn_pdrop, layer_norm_epsilon, initializer_range, scale_attn_weights,"
                + " scale_attn_by_inverse_layer_idx, reorder_and_upcast_attn, add_cross_attention, bos_token_id,"
                + " eos_token_id, tie_word_embeddings, model_type");
        assertWritesAndReadsBack("tiny-llama", "vocab_size, hidden_size, intermediate_size, num_hidden_layers,"
                + " num_attention_heads, num_key_value_heads, head_dim, max_position_embeddings, rms_norm_eps,"
                + " rope_parameters, rope_parameters.rope_type, rope_parameters.rope_theta, attention_bias, mlp_bias,"
                + " hidden_act, tie_word_embeddings, initializer_range, attention_dropout, pad_token_id, bos_token_id,"
                + " eos_token_id, model_type");
        assertWritesAndReadsBack("tiny-pythia", "vocab_size, hidden_size, num_hidden_layers, num_attention_heads,"
                + " intermediate_size, hidden_act, rope_parameters, rope_parameters.partial_rotary_factor,"
                + " rope_parameters.rope_theta, rope_parameters.rope_type, max_position_embeddings, layer_norm_eps,"
                + " use_parallel_residual, attention_bias, attention_dropout, hidden_dropout, initializer_range,"
                + " bos_token_id, eos_token_id, tie_word_embeddings, model_type");
    }

    @Test
    void namesHfSpellsItsOwnWayAreReadUnderThoseNames() throws IOException {
        OptConfig o = (OptConfig) LmConfigFile.read(dir, "{\"vocab_size\": 64, \"hidden_size\": 16, \"num_hidden_layers\": 1,"
                + " \"ffn_dim\": 32, \"num_attention_heads\": 2, \"max_position_embeddings\": 32,"
                + " \"_remove_final_layer_norm\": true, \"init_std\": 0.5}");
        assertEquals(true, o.removeFinalLayerNorm());
        assertEquals(0.5, o.initializerRange());
        LmConfig gpt2 = LmConfigFile.read(dir, "{\"model_type\": \"gpt2\", \"vocab_size\": 64, \"n_embd\": 16,"
                + " \"n_head\": 2, \"bos_token_id\": 1, \"eos_token_id\": 1, \"initializer_range\": 0.25}");
        assertEquals(0.25, gpt2.initializerRange());
        LmConfig neox = LmConfigFile.read(dir, "{\"model_type\": \"gpt_neox\", \"vocab_size\": 64,"
                + " \"hidden_size\": 16, \"num_hidden_layers\": 1, \"num_attention_heads\": 2, \"intermediate_size\": 32,"
                + " \"max_position_embeddings\": 32, \"initializer_range\": 0.125}");
        assertEquals(0.125, neox.initializerRange());
    }

    @Test
    void aRunConfigWritesItsSectionsUnderTheirSnakeCaseNames() throws IOException {
        RunConfig smoke = RunConfig.load("smoke", List.of());
        assertEquals(2, smoke.train().validEveryNSteps());
        JsonNode tree = ConfigLoader.JSON.valueToTree(smoke);
        assertEquals("name, description, model, model.base, model.init_seed, model.dtype, data, data.dataset, data.block_size,"
                + " data.train_blocks, data.valid_blocks, data.test_blocks, train, train.epochs, train.batch_size,"
                + " train.micro_batch, train.learning_rate, train.adam_beta1, train.adam_beta2, train.adam_epsilon,"
                + " train.weight_decay, train.schedule, train.warmup_steps, train.max_grad_norm, train.seed,"
                + " train.valid_every_n_steps, train.log_every_steps, train.dtype, train.mixed_precision, train.loss_scale_init,"
                + " train.loss_scale_growth_interval, generation, generation.strategy, generation.num_beams,"
                + " generation.num_return_sequences, generation.length_penalty, generation.early_stopping,"
                + " generation.min_new_tokens, generation.max_new_tokens, generation.repetition_penalty,"
                + " generation.no_repeat_ngram_size, generation.temperature, generation.top_k, generation.top_p, generation.seed,"
                + " generation.beam_length_rule, generation.use_cache, experiment, experiment.generations,"
                + " experiment.keep_fraction, experiment.data_mode, experiment.start_from, experiment.seed,"
                + " experiment.sample_prompts, experiment.sample_prompt_tokens, experiment.corpus_batch,"
                + " experiment.corpus_shard_blocks, device, device.device, device.fallback_to_cpu, device.devices", keys(tree));
        assertEquals(smoke, ConfigLoader.JSON.treeToValue(tree, RunConfig.class));
    }
}

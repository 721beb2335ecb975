package io.collapse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.util.Utils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class InfoCommandTest {

    @Test
    void namesTheLibtorchAndJniInUseAndWhetherCudaIsVisible() throws Exception {
        StringWriter out = new StringWriter();
        var cl = CollapseCli.commandLine();
        cl.setOut(new PrintWriter(out));
        assertEquals(0, cl.execute("info", "--json"));
        JsonNode info = new ObjectMapper().readTree(out.toString());
        String override = Utils.getEnvOrSystemProperty("PYTORCH_LIBRARY_PATH");
        if (override == null) {
            // The build bundles the CPU libtorch jar (pom: pytorch-native-cpu, classifier linux-x86_64) and its JNI.
            assertTrue(info.path("libtorch_source").asText().startsWith("bundled jar ai.djl.pytorch:pytorch-native-cpu:"
                    + info.path("pytorch_version").asText()), info.toString());
            assertEquals("cpu", info.path("pytorch_flavor").asText());
            assertTrue(info.path("jni_origin").asText().startsWith("DJL prebuilt (pytorch-jni jar"), info.toString());
            assertEquals("[]", info.path("jni_extras").toString());
        } else {
            // `collapse native build`'s exports: that libtorch, and the JNI built against it, not DJL's 2.7.1 one.
            assertEquals("PYTORCH_LIBRARY_PATH", info.path("libtorch_source").asText());
            assertEquals(Path.of(override).toAbsolutePath().normalize(), Path.of(info.path("libtorch_dir").asText()).normalize());
            assertEquals(Utils.getEnvOrSystemProperty("PYTORCH_VERSION"), info.path("pytorch_version").asText());
            assertTrue(info.path("jni_origin").asText().startsWith("self-built by collapse native build"), info.toString());
            assertTrue(info.path("jni_extras").toString().startsWith("[\"bfloat16\",\"fused_adamw\""), info.toString());
        }
        assertEquals(System.getProperty("collapse.attention", "eager"), info.path("attention").asText());
        assertTrue(info.path("jni_library").asText().endsWith("libdjl_torch.so"), info.toString());
        Path dir = Path.of(info.path("libtorch_dir").asText());
        assertTrue(Files.isDirectory(dir) && Files.list(dir).anyMatch(p -> p.getFileName().toString().startsWith("libtorch")),
                "libtorch_dir holds the loaded libraries: " + dir);
        assertEquals(false, info.path("libtorch_cuda_build").asBoolean());
        assertEquals(info.path("gpu_count").asInt() > 0, info.path("cuda_visible").asBoolean());
    }

    /** The family, class and exact parameter count, as HF's num_parameters() gives them. */
    @Test
    void describesAModelDirectoryOrAPreset() throws Exception {
        JsonNode caseA = info("--model", "src/test/resources/hf-opt/case-a-preln");
        assertEquals("opt", caseA.path("model_type").asText());
        assertEquals("OptForCausalLM", caseA.path("model_class").asText());
        assertEquals(172416, caseA.path("parameters").asLong(), "hf-opt/README: parameters (untied) 172,416");
        assertTrue(caseA.path("tokenizer").isMissingNode(), "the directory has no tokenizer files: none is named");
        JsonNode pythia = info("--preset", "pythia-160m");
        assertEquals("GptNeoXForCausalLM", pythia.path("model_class").asText());
        assertEquals(162322944L, pythia.path("parameters").asLong(), "HF's count for EleutherAI/pythia-160m");
        assertEquals("LlamaForCausalLM", info("--preset", "smollm2-135m").path("model_class").asText());
        assertEquals("Gpt2LMHeadModel", info("--preset", "gpt2").path("model_class").asText());
        assertEquals("[2]", caseA.path("eos_token_ids").toString());
        // Both: one would be described and the other ignored without a word.
        Cli.Result both = Cli.run("info", "--model", "src/test/resources/hf-opt/case-a-preln", "--preset", "gpt2");
        assertEquals(2, both.code());
        assertTrue(both.err().startsWith("Error: --model=M, --preset=<preset> are mutually exclusive (specify only one)"), both.err());
    }

    private static JsonNode info(String... args) throws Exception {
        StringWriter out = new StringWriter();
        var cl = CollapseCli.commandLine();
        cl.setOut(new PrintWriter(out));
        String[] all = new String[args.length + 2];
        all[0] = "info";
        all[1] = "--json";
        System.arraycopy(args, 0, all, 2, args.length);
        assertEquals(0, cl.execute(all));
        return new ObjectMapper().readTree(out.toString());
    }
}

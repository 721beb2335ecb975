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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class InfoCommandTest {

    @Test
    void namesTheLibtorchInUseAndWhetherCudaIsVisible() throws Exception {
        Assumptions.assumeTrue(Utils.getEnvOrSystemProperty("PYTORCH_LIBRARY_PATH") == null
                && Utils.getEnvOrSystemProperty("PYTORCH_VERSION") == null, "libtorch overridden by the environment");
        StringWriter out = new StringWriter();
        var cl = CollapseCli.commandLine();
        cl.setOut(new PrintWriter(out));
        assertEquals(0, cl.execute("info", "--json"));
        JsonNode info = new ObjectMapper().readTree(out.toString());
        // The build bundles the CPU libtorch jar (pom: pytorch-native-cpu, classifier linux-x86_64).
        assertTrue(info.path("libtorch_source").asText().startsWith("bundled jar ai.djl.pytorch:pytorch-native-cpu:"
                + info.path("pytorch_version").asText()), info.toString());
        assertEquals("cpu", info.path("pytorch_flavor").asText());
        Path dir = Path.of(info.path("libtorch_dir").asText());
        assertTrue(Files.isDirectory(dir) && Files.list(dir).anyMatch(p -> p.getFileName().toString().startsWith("libtorch")),
                "libtorch_dir holds the loaded libraries: " + dir);
        assertEquals(false, info.path("libtorch_cuda_build").asBoolean());
        assertEquals(info.path("gpu_count").asInt() > 0, info.path("cuda_visible").asBoolean());
    }
}

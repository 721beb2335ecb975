package io.collapse.nativelib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.collapse.ExternalTools;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A unit that does not compile is fatal when DJL's, left out with its errors when optional (collapse's own). */
class JniBuildCompileTest {

    @TempDir Path work;

    @Test
    void anOptionalUnitThatFailsIsLeftOutAndARequiredOneStopsTheBuild() throws Exception {
        Path gxx = ExternalTools.requireOnPath("g++");
        Path good = Files.writeString(work.resolve("good.cc"), "int good() { return 1; }\n");
        Path bad = Files.writeString(work.resolve("bad.cc"), "int bad() { return undeclared; }\n");
        List<String> flags = List.of(gxx.toString(), "-O0");

        StringWriter log = new StringWriter();
        List<Path> objects = JniBuild.compileAll(List.of(good, bad), Map.of(bad, "what is lost"), flags, 2, work,
                new PrintWriter(log, true));
        assertEquals(List.of(work.resolve("obj/good.o")), objects);
        assertTrue(log.toString().contains("left out bad.cc (what is lost)"), log.toString());
        assertTrue(log.toString().contains("bad.cc:1:") && log.toString().contains("error"), "the compiler's own error: " + log);

        var e = assertThrows(IllegalStateException.class, () -> JniBuild.compileAll(List.of(good, bad), Map.of(), flags, 2,
                work, new PrintWriter(new StringWriter(), true)));
        assertTrue(e.getMessage().startsWith("compiling bad.cc failed (exit 1)"), e.getMessage());
    }
}

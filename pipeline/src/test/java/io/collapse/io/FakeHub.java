package io.collapse.io;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for the Hub on a local port: serves {@link #files} under /{repo}/resolve/main/ and
 * /datasets/{dataset}/resolve/main/, redirecting .bin files to /cdn/ as the Hub does for LFS files.
 */
public final class FakeHub implements AutoCloseable {

    public static final String REPO = "facebook/opt-125m";
    public static final String DATASET = "ggml-org/ci";

    public final Map<String, byte[]> files = new ConcurrentHashMap<>();
    /** Each request as "path[ Range][ auth]". */
    public final List<String> requests = new CopyOnWriteArrayList<>();
    /** How many more transfers of a file break after half of its bytes. */
    public final Map<String, Integer> dropsLeft = new ConcurrentHashMap<>();
    /** sha256 the server announces: X-Linked-Etag on the redirect (as the Hub does for LFS files), else ETag. */
    public final Map<String, String> etags = new ConcurrentHashMap<>();
    /** Per file: this many answers stall, half the body sent and then nothing for {@link #STALL}. */
    public final Map<String, Integer> stallsLeft = new ConcurrentHashMap<>();
    /** Per file: this many requests get no answer at all for {@link #STALL}. */
    public final Map<String, Integer> silencesLeft = new ConcurrentHashMap<>();
    /** Per file: this many answers are HTTP 500. */
    public final Map<String, Integer> failsLeft = new ConcurrentHashMap<>();
    /** Per file: a redirect to this Location instead of the file. */
    public final Map<String, String> redirects = new ConcurrentHashMap<>();
    public static final Duration STALL = Duration.ofSeconds(2);
    public final ByteArrayOutputStream progress = new ByteArrayOutputStream();
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();

    public FakeHub() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor); // a stalling answer must not hold up the next request
        server.start();
    }

    /** A downloader for this server: online, no token, no waiting between retries, progress into {@link #progress}. */
    public HubDownloader hub() {
        return new HubDownloader().setEndpoint(endpoint())
                .setOffline(false).setToken(null).setRetryDelay(Duration.ZERO).setProgress(new PrintStream(progress));
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String range = ex.getRequestHeaders().getFirst("Range");
        requests.add(path + (range == null ? "" : " " + range) + (ex.getRequestHeaders().containsKey("Authorization") ? " auth" : ""));
        String resolve = path.startsWith("/datasets/") ? "/datasets/" + DATASET + "/resolve/main/" : "/" + REPO + "/resolve/main/";
        if (path.startsWith(resolve) && path.endsWith(".bin")) { // LFS files live on the CDN
            ex.getResponseHeaders().add("Location", "/cdn/" + path.substring(resolve.length()));
            ex.getResponseHeaders().add("X-Linked-Etag", "\"" + etags.get(path.substring(resolve.length())) + "\"");
            ex.sendResponseHeaders(302, -1);
            ex.close();
            return;
        }
        String name = path.startsWith(resolve) ? path.substring(resolve.length()) : path.startsWith("/cdn/") ? path.substring(5) : null;
        if (name != null && redirects.containsKey(name)) {
            ex.getResponseHeaders().add("Location", redirects.get(name));
            ex.sendResponseHeaders(302, -1);
            ex.close();
            return;
        }
        if (name != null && failsLeft.merge(name, -1, Integer::sum) >= 0) {
            ex.sendResponseHeaders(500, -1);
            ex.close();
            return;
        }
        if (name != null && silencesLeft.merge(name, -1, Integer::sum) >= 0) {
            pause(); // the client has given up by now
            ex.close();
            return;
        }
        byte[] body = name == null ? null : files.get(name);
        if (body == null) {
            ex.sendResponseHeaders(404, -1);
            ex.close();
            return;
        }
        if (path.startsWith(resolve) && etags.containsKey(name)) {
            ex.getResponseHeaders().add("ETag", "\"" + etags.get(name) + "\"");
        }
        int from = 0;
        Matcher m = range == null ? null : Pattern.compile("bytes=(\\d+)-").matcher(range);
        if (m != null && m.matches()) {
            from = Integer.parseInt(m.group(1));
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
            ex.sendResponseHeaders(206, body.length - from);
        } else {
            ex.sendResponseHeaders(200, body.length);
        }
        OutputStream out = ex.getResponseBody();
        if (dropsLeft.merge(name, -1, Integer::sum) >= 0) {
            // Half of the bytes, then the connection goes away.
            out.write(body, from, (body.length - from) / 2);
            out.flush();
            ex.close(); // a fixed-length body left short: the server closes the connection
            return;
        }
        if (stallsLeft.merge(name, -1, Integer::sum) >= 0) {
            out.write(body, from, (body.length - from) / 2);
            out.flush();
            pause(); // the client has given up by now
            ex.close();
            return;
        }
        out.write(body, from, body.length - from);
        ex.close();
    }

    private static void pause() {
        try {
            Thread.sleep(STALL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

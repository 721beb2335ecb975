package io.collapse.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import me.tongfei.progressbar.ProgressBar;

/**
 * One GET of a Hub file into its {@code .part} file, resuming from the part's size with a Range
 * request and following redirects by hand (the token goes to the Hub only, never to the CDN). A
 * server that stops answering or sending for {@code stall} is given up on, as a broken connection
 * is: {@link HubDownloader} retries both.
 *
 * @param token the Hub token, or null
 * @param progress where the progress bar goes
 * @param stall how long to wait for the response, and then for each next byte of the body
 */
record HubTransfer(HttpClient http, String token, PrintStream progress, Duration stall) {

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final int MAX_REDIRECTS = 10;

    /** A failure worth another try: the connection broke or stalled, or the server had a 5xx moment. */
    static final class RetryableException extends Exception {
        RetryableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * What the attempts at one file have learned: whether its .part holds this version's bytes
     * (written by this call, or none there at the start), and the sha256 the Hub named for it.
     */
    static final class Attempts {
        boolean ownPart;
        String sha256;

        Attempts(boolean ownPart) {
            this.ownPart = ownPart;
        }
    }

    /** A response and the sha256 the Hub named on the way to it. */
    private record Answer(HttpResponse<InputStream> response, String sha256) {}

    /**
     * Fetches {@code uri} into {@code part}; false on a 404. A part that is not this call's own is
     * resumed only when the Hub names the file's sha256, which is checked at the end: a part without
     * one may be the start of another version of the file (a branch moves), and splicing it to the
     * rest would go unnoticed.
     */
    boolean run(URI uri, Path part, String file, Attempts attempts) throws IOException, RetryableException {
        long have = Files.exists(part) ? Files.size(part) : 0;
        Answer answer = request(uri, have);
        if (answer.sha256() != null) {
            attempts.sha256 = answer.sha256();
        }
        if (have > 0 && !attempts.ownPart && attempts.sha256 == null && answer.response().statusCode() == 206) {
            answer.response().body().close();
            Files.delete(part);
            have = 0;
            answer = request(uri, 0);
        }
        HttpResponse<InputStream> response = answer.response();
        int code = response.statusCode();
        try (InputStream body = response.body()) {
            if (code == 404) {
                return false;
            }
            if (code == 416 && have > 0) {
                // The .part is not a prefix the server can continue (e.g. the file changed): start over.
                Files.delete(part);
                throw new RetryableException("range not satisfiable for the partial file; restarting", null);
            }
            if (code == 401 || code == 403) {
                throw new IOException(uri + ": HTTP " + code + " (a gated or private repository needs HF_TOKEN)");
            }
            if (code >= 500) {
                throw new RetryableException("HTTP " + code, null);
            }
            if (code != 200 && code != 206) {
                throw new IOException(uri + ": HTTP " + code);
            }
            long[] span = span(uri, response, have);
            attempts.ownPart = true; // from here on the part holds what this call fetched
            // A 200 is the whole file: it starts over at byte 0, whatever the .part held.
            copy(body, part, span[0], span[1], file);
        }
        return true;
    }

    /**
     * The GET, following redirects. The Hub names an LFS file's sha256 in {@code X-Linked-Etag} (on
     * the redirect) or its own {@code ETag}; a 40-hex git blob id is not one, and a CDN's ETag means
     * something else.
     */
    private Answer request(URI uri, long have) throws IOException, RetryableException {
        String sha256 = null;
        URI at = uri;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder req = HttpRequest.newBuilder(at).GET().timeout(stall).header("User-Agent", "collapse/0.1 (java)");
            if (have > 0) {
                req.header("Range", "bytes=" + have + "-");
            }
            boolean hub = at.getHost() != null && at.getHost().equals(uri.getHost());
            if (token != null && hub) {
                req.header("Authorization", "Bearer " + token);
            }
            HttpResponse<InputStream> response = send(req.build(), uri);
            for (String header : hub ? List.of("X-Linked-Etag", "ETag") : List.of("X-Linked-Etag")) {
                String etag = response.headers().firstValue(header).orElse("").replaceAll("^W/|\"", "").toLowerCase(Locale.ROOT);
                if (sha256 == null && SHA256.matcher(etag).matches()) {
                    sha256 = etag;
                }
            }
            String location = response.headers().firstValue("Location").orElse(null);
            if (response.statusCode() / 100 != 3 || location == null) {
                return new Answer(response, sha256);
            }
            response.body().close();
            at = at.resolve(location);
            if (!"http".equalsIgnoreCase(at.getScheme()) && !"https".equalsIgnoreCase(at.getScheme())) {
                throw new IOException(uri + ": redirected to " + at + "; expected an http or https address");
            }
        }
        throw new IOException(uri + ": more than " + MAX_REDIRECTS + " redirects (a redirect loop?)");
    }

    private HttpResponse<InputStream> send(HttpRequest request, URI asked) throws IOException, RetryableException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpTimeoutException e) {
            throw new RetryableException("no answer from " + request.uri().getHost() + " within " + duration(stall), e);
        } catch (IOException e) {
            throw new RetryableException("connection failed (" + e + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while downloading " + asked, e);
        }
    }

    /** {start, total} of the body: total -1 when the server does not say. */
    private static long[] span(URI uri, HttpResponse<InputStream> response, long have) throws IOException {
        String length = response.headers().firstValue("Content-Length").orElse(null);
        String range = response.headers().firstValue("Content-Range").orElse("");
        try {
            if (response.statusCode() == 200) {
                return new long[] {0, length == null ? -1 : Long.parseLong(length)};
            }
            Matcher m = CONTENT_RANGE.matcher(range);
            if (!m.matches() || Long.parseLong(m.group(1)) != have) {
                throw new IOException(uri + ": asked for bytes " + have + "- but got Content-Range '" + range + "'");
            }
            return new long[] {have, m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3))};
        } catch (NumberFormatException e) {
            throw new IOException(uri + ": unreadable Content-Length '" + length + "' or Content-Range '" + range
                    + "'; expected byte counts", e);
        }
    }

    /** Streams the body into the .part file from {@code start}, with a progress bar. */
    private void copy(InputStream body, Path part, long start, long total, String file) throws IOException, RetryableException {
        try (FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                ProgressBar bar = ConsoleBars.builder(file, total, "MiB", 1 << 20, progress)
                        .startsFrom(start, Duration.ZERO)
                        .build();
                StallWatch watch = new StallWatch(body, stall)) {
            ch.truncate(start);
            ch.position(start);
            byte[] buf = new byte[1 << 16];
            long written = start;
            while (true) {
                int n;
                try {
                    n = body.read(buf);
                } catch (IOException e) {
                    throw broke(watch, written, e);
                }
                if (n < 0) {
                    break;
                }
                watch.progressed();
                ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                written += n;
                bar.stepTo(written);
            }
            if (watch.stalled() && (total < 0 || written != total)) { // the watch closed the body before its end
                throw broke(watch, written, null);
            }
            if (total >= 0 && written != total) {
                throw new RetryableException("got " + written + " of " + total + " bytes", null);
            }
        }
    }

    private static String duration(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private RetryableException broke(StallWatch watch, long written, IOException e) {
        String why = watch.stalled() ? "no data for " + duration(stall) : e.getMessage();
        return new RetryableException("connection broke after " + written + " bytes (" + why + ")", e);
    }
}

package io.collapse.report;

import de.erichseifert.vectorgraphics2d.VectorGraphics2D;
import de.erichseifert.vectorgraphics2d.svg.SVGProcessor;
import de.erichseifert.vectorgraphics2d.util.PageSize;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.XYChart;

/**
 * One figure of the report: XChart panels laid out in a grid and drawn onto one canvas, so small
 * multiples and side-by-side regimes are one PNG and one SVG. XChart's own encoders draw a single
 * chart; this does what they do (paint into a BufferedImage, or into VectorGraphics2D's command
 * list turned into SVG) for a grid of them.
 *
 * @param name file stem: {@code <name>.png}, {@code <name>.svg}
 * @param caption what the figure shows and how to read it, for the page
 * @param panels row by row; a null leaves its cell empty (so a group can start a new row)
 */
public record Figure(String name, String title, String caption, int columns, int panelWidth, int panelHeight,
        List<XYChart> panels) {

    public static final int PNG_SCALE = 2;

    public Figure {
        if (panels.isEmpty() || columns < 1) {
            throw new IllegalArgumentException("figure " + name + ": needs panels and columns >= 1, got "
                    + panels.size() + " panels, " + columns + " columns");
        }
    }

    public int width() {
        return Math.min(columns, panels.size()) * panelWidth;
    }

    public int height() {
        return (panels.size() + columns - 1) / columns * panelHeight;
    }

    /** PNG at twice the nominal size, so it stays sharp on high-density screens and in print. */
    public byte[] png() {
        BufferedImage image = new BufferedImage(PNG_SCALE * width(), PNG_SCALE * height(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.scale(PNG_SCALE, PNG_SCALE);
        paint(g);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException("figure " + name + ": PNG encoding failed", e);
        }
        return out.toByteArray();
    }

    /** SVG at the nominal size; XChart draws text as glyph outlines, so it needs no fonts but is large. */
    public byte[] svg() {
        VectorGraphics2D g = new VectorGraphics2D();
        paint(g);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            new SVGProcessor().getDocument(g.getCommands(), new PageSize(0, 0, width(), height())).writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException("figure " + name + ": SVG encoding failed", e);
        }
        return out.toByteArray();
    }

    private void paint(Graphics2D g) {
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width(), height());
        for (int i = 0; i < panels.size(); i++) {
            int x = i % columns * panelWidth;
            int y = i / columns * panelHeight;
            if (panels.get(i) == null) {
                continue;
            }
            Graphics2D panel = (Graphics2D) g.create(x, y, panelWidth, panelHeight);
            panels.get(i).paint(panel, panelWidth, panelHeight);
            panel.dispose();
        }
    }
}

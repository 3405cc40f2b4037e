// Test helper for results_hdr_log_java_test: reads a .hlog with HdrHistogram's own HistogramLogReader,
// prints one line per interval (tag, start ms, count, max, p50, p90, p99, p99.9, p100, mean) and rewrites
// the intervals with HdrHistogram's HistogramLogWriter so the C++ reader can be checked against it.
import java.io.PrintStream;
import java.util.Locale;
import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import org.HdrHistogram.HistogramLogWriter;

public class HlogDump {
  public static void main(String[] args) throws Exception {
    HistogramLogReader reader = new HistogramLogReader(args[0]);
    HistogramLogWriter writer = new HistogramLogWriter(new PrintStream(args[1]));
    long startMs = (long) (reader.getStartTimeSec() * 1000.0);
    boolean headerWritten = false;
    EncodableHistogram e;
    while ((e = reader.nextIntervalHistogram()) != null) {
      Histogram h = (Histogram) e;
      if (!headerWritten) {
        startMs = (long) (reader.getStartTimeSec() * 1000.0);
        writer.outputLogFormatVersion();
        writer.outputStartTime(startMs);
        writer.setBaseTime(startMs);
        writer.outputBaseTime(startMs);
        writer.outputLegend();
        headerWritten = true;
      }
      System.out.println(String.format(Locale.US, "%s %d %d %d %d %d %d %d %d %.6f",
          h.getTag() == null ? "-" : h.getTag(), h.getStartTimeStamp(), h.getTotalCount(),
          h.getMaxValue(), h.getValueAtPercentile(50.0), h.getValueAtPercentile(90.0),
          h.getValueAtPercentile(99.0), h.getValueAtPercentile(99.9), h.getValueAtPercentile(100.0),
          h.getMean()));
      writer.outputIntervalHistogram(h);
    }
    writer.close();
  }
}

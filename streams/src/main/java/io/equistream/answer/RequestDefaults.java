package io.equistream.answer;

/** What a request gets for the fields it leaves out. */
public record RequestDefaults(String method, String aggregate, int maxNewTokens) {
}

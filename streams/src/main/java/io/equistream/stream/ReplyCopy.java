package io.equistream.stream;

import io.equistream.schemas.FairCompletion;

/** A completion that also goes to the reply topic its request named. */
public record ReplyCopy(String topic, FairCompletion completion) {
}

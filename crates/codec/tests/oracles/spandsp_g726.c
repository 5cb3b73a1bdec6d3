/* Test oracle: G.726-32 through spandsp, whose implementation follows ITU-T G.726 and is
 * checked against the ITU test sequences by spandsp's own tests.
 *
 *   spandsp_g726 encode|decode itu|ietf < input > output
 *
 * encode reads 16-bit native-endian PCM and writes packed codes; decode does the reverse. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spandsp/telephony.h>
#include <spandsp/bitstream.h>
#include <spandsp/g726.h>

#define MAX_BYTES (1 << 23)

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    int encode = strcmp(argv[1], "encode") == 0;
    /* "Left" packing puts the first code in the most significant bits: the ITU/AAL2 order. */
    int packing = strcmp(argv[2], "itu") == 0 ? G726_PACKING_LEFT : G726_PACKING_RIGHT;
    g726_state_t *state = g726_init(NULL, 32000, G726_ENCODING_LINEAR, packing);
    uint8_t *input = malloc(MAX_BYTES);
    uint8_t *output = malloc(4 * MAX_BYTES);
    if (state == NULL || input == NULL || output == NULL)
        return 1;
    size_t length = fread(input, 1, MAX_BYTES, stdin);
    int produced;
    if (encode)
        produced = g726_encode(state, output, (const int16_t *) input, (int) (length / 2));
    else
        produced = 2 * g726_decode(state, (int16_t *) output, input, (int) length);
    fwrite(output, 1, (size_t) produced, stdout);
    return 0;
}

// This file is a part of the jldepot project. License is MIT.

/*
  julia111_sysmods.h: the sysimage modules that every cache of the real
  Julia 1.11.0-DEV fixture (test/fixtures/julia-1.11) requires, with the
  128-bit build ids that Julia's parse_cache_header reported for them
  (logs/parse_cache_header_depotA.txt).  The generator writes them; the
  reader tests expect them.
*/

#ifndef JL_TEST_JULIA111_SYSMODS_H
#define JL_TEST_JULIA111_SYSMODS_H

#include <stdint.h>

static const struct {
    const char *name, *uuid; // uuid NULL for Core, Base, Main
    uint64_t hi, lo;         // the build id
} julia111_sysmods[] = {
    {"Core", NULL, 0xfdfcfbfac51cf19eULL, 0x000001de7c86851bULL},
    {"Base", NULL, 0xfdfcfbfac51cf19eULL, 0x0000032e549cfee1ULL},
    {"Main", NULL, 0xfdfcfbfac51cf19eULL, 0x000001de7d2774d2ULL},
    {"FileWatching", "7b1f6079-737a-58dc-b8bc-7a2ca5c1b5ee", 0xfdfcfbfac51cf19eULL,
     0x0000033b802b5715ULL},
    {"Libdl", "8f399da3-3557-5675-b5ff-fb832c97cbdb", 0xfdfcfbfac51cf19eULL, 0x0000033b8abb4103ULL},
    {"Artifacts", "56f22d72-fd6d-98f1-02f0-08ddc0907c33", 0xfdfcfbfac51cf19eULL,
     0x0000033b8c2a8c04ULL},
    {"SHA", "ea8e919c-243c-51af-8825-aaa63cd721ce", 0xfdfcfbfac51cf19eULL, 0x0000033b9d18b752ULL},
    {"Sockets", "6462fe0b-24de-5631-8697-dd941f90decc", 0xfdfcfbfac51cf19eULL,
     0x0000033baaa4e147ULL},
    {"LinearAlgebra", "37e2e46d-f89d-539d-b4ee-838fcccc9c8e", 0xfdfcfbfac51cf19eULL,
     0x0000033bbc034019ULL},
    {"OpenBLAS_jll", "4536629a-c528-5b80-bd46-f80d51c5b363", 0xfdfcfbfac51cf19eULL,
     0x0000033bbcd8a1ecULL},
    {"libblastrampoline_jll", "8e850b90-86db-534c-a0d3-1478176c7d93", 0xfdfcfbfac51cf19eULL,
     0x0000033bbf65c93eULL},
    {"Random", "9a3f8284-a2c9-5f02-9a11-845980a1fd5c", 0xfdfcfbfac51cf19eULL,
     0x0000033d3dfd5c32ULL},
};

#define JULIA111_NSYSMODS (sizeof(julia111_sysmods) / sizeof(julia111_sysmods[0]))

#endif // JL_TEST_JULIA111_SYSMODS_H
